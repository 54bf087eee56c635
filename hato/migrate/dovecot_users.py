"""``hato import dovecot-users FILE``: accounts from a Dovecot passwd-file.

A passwd-file line is ``user:password:uid:gid:gecos:home:shell:extra``; the
first two fields make the account, and ``home`` tells ``hato import dovecot``
where the user's Maildir is. The password is ``{SCHEME}data`` (a bare
string is ``{CRYPT}``, Dovecot's default scheme). A hash hato can check is
kept as it is and replaced by argon2id at the account's first successful
login; a ``{PLAIN}`` password is hashed with argon2id at once, so no password
is ever stored in the clear. A ``user@domain`` name becomes the account
``user``: hato's accounts receive mail at every local domain.

Each line is its own outcome: an account that exists already is left alone
(so running the import twice adds nothing twice), and a line that cannot be
imported is reported with its number while the rest go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from hato.accounts import InvalidUsername, add_user_with, validate_username
from hato.auth.dovecot_hashes import SUPPORTED_SCHEMES, UNUSABLE_SCHEMES, split_scheme
from hato.auth.passwords import make_credentials
from hato.migrate.problems import LineProblem
from hato.store.base import AccountExists, AccountStore, Credentials, Store

__all__ = ["PasswdEntry", "UsersImport", "import_users", "read_passwd_file"]

MAX_LINE = 65536  # bytes: longer than any real passwd-file line


@dataclass(frozen=True, slots=True)
class PasswdEntry:
    line: int
    name: str
    credentials: Credentials
    login: str = ""  # the file's user field as it is (``alice@example.org``)
    home: str = ""


@dataclass(slots=True)
class UsersImport:
    imported: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    rejected: list[LineProblem] = field(default_factory=list)


def read_passwd_file(lines: Iterable[bytes]) -> Iterator[PasswdEntry | LineProblem]:
    """One outcome for each line that is neither blank nor a ``#`` comment."""
    for number, raw in enumerate(lines, 1):
        if len(raw) > MAX_LINE:
            yield LineProblem(number, f"longer than {MAX_LINE} bytes")
            continue
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield LineProblem(number, "not UTF-8")
            continue
        if text.strip() and not text.lstrip().startswith("#"):
            yield parse_passwd_line(number, text)


def parse_passwd_line(number: int, text: str) -> PasswdEntry | LineProblem:
    user, _, rest = text.partition(":")
    fields = rest.split(":")
    password, home = fields[0], fields[4] if len(fields) > 4 else ""
    try:
        name = validate_username(user.partition("@")[0])
    except InvalidUsername as exc:
        return LineProblem(number, str(exc))
    if not password:
        return LineProblem(number, f"user {name}: no password")
    scheme, data = split_scheme(password) or ("CRYPT", password)
    if scheme in UNUSABLE_SCHEMES:
        return LineProblem(number, f"user {name}: {{{scheme}}} cannot check a login password")
    if scheme not in SUPPORTED_SCHEMES:
        return LineProblem(number, f"user {name}: unknown password scheme {{{scheme}}}")
    if scheme == "PLAIN":
        return PasswdEntry(number, name, make_credentials(data), user, home)
    return PasswdEntry(number, name, Credentials(f"{{{scheme}}}{data}", None, None), user, home)


async def import_users(store: Store, outcomes: Iterable[PasswdEntry | LineProblem]) -> UsersImport:
    """Create each entry's account (with the standard mailboxes) unless it exists."""
    result = UsersImport()
    for outcome in outcomes:
        if isinstance(outcome, LineProblem):
            result.rejected.append(outcome)
        elif await _exists(store, outcome.name):
            result.present.append(outcome.name)
        else:
            await _add(store, outcome, result)
    return result


async def _exists(store: AccountStore, name: str) -> bool:
    return await store.get_account(name) is not None


async def _add(store: Store, entry: PasswdEntry, result: UsersImport) -> None:
    try:
        await add_user_with(store, entry.name, entry.credentials)
    except AccountExists:  # made meanwhile, by another import or `hato user add`
        result.present.append(entry.name)
    else:
        result.imported.append(entry.name)
