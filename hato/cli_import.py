"""``hato import``: bringing users (and, later, mail) over from Dovecot.

    hato import dovecot-users FILE                    accounts from a Dovecot passwd-file
    hato import mbox FILE --user NAME [--mailbox NAME]  an mbox file into a mailbox
    hato import maildir PATH --user NAME              a Dovecot Maildir, its UIDs kept
    hato import dovecot --users FILE [--maildirs DIR|TEMPLATE]  a whole Dovecot server
    hato export maildir --user NAME DIR               an account as a Dovecot Maildir
    hato export mbox --user NAME FILE [--mailbox NAME]  a mailbox into a new mbox file

Each line (or message) that cannot be imported is reported as
``hato: FILE: line N: ...``; the others are imported, and the exit status is 1
if any was reported. What exists already (an account, a message with the same
bytes in the mailbox) is left as it is, so a second run adds nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from hato.accounts import validate_username
from hato.cli_common import Commands, with_store
from hato.config import Config
from hato.migrate.dovecot_server import maildir_of
from hato.migrate.dovecot_users import PasswdEntry, UsersImport, import_users, read_passwd_file
from hato.migrate.maildir_export import MaildirExport, export_maildir
from hato.migrate.maildir_import import MaildirImport, import_maildir, maildir_totals
from hato.migrate.mbox import read_mbox
from hato.migrate.mbox_export import export_mbox
from hato.migrate.mbox_import import MboxImport, import_mbox
from hato.migrate.problems import LineProblem
from hato.store import Mailstore, Store
from hato.store.base import INBOX

if TYPE_CHECKING:
    from tqdm import tqdm

__all__ = ["add_import_parsers"]


def add_import_parsers(commands: Commands, common: Callable[[], argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("import", parents=[common()], help="import users and mail")
    sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
    users = sources.add_parser(
        "dovecot-users", parents=[common()], help="accounts from a Dovecot passwd-file"
    )
    users.add_argument("file", type=Path, metavar="FILE")
    users.set_defaults(run=_dovecot_users)
    mbox = sources.add_parser("mbox", parents=[common()], help="an mbox file into a mailbox")
    mbox.add_argument("file", type=Path, metavar="FILE")
    mbox.add_argument("--user", required=True, metavar="NAME")
    mbox.add_argument("--mailbox", default=INBOX, metavar="NAME", help="default: INBOX")
    mbox.set_defaults(run=_mbox)
    maildir = sources.add_parser(
        "maildir", parents=[common()], help="a Dovecot Maildir into an account, its UIDs kept"
    )
    maildir.add_argument("path", type=Path, metavar="PATH")
    maildir.add_argument("--user", required=True, metavar="NAME")
    maildir.set_defaults(run=_maildir)
    dovecot = sources.add_parser(
        "dovecot", parents=[common()], help="a Dovecot server: passwd-file users, their Maildirs"
    )
    dovecot.add_argument("--users", required=True, type=Path, metavar="FILE")
    dovecot.add_argument(
        "--maildirs",
        metavar="DIR|TEMPLATE",
        help="DIR/<user>/Maildir, or a template with %%u %%n %%d %%h (default: <home>/Maildir)",
    )
    dovecot.set_defaults(run=_dovecot)
    export = commands.add_parser("export", parents=[common()], help="export mail")
    targets = export.add_subparsers(dest="target", required=True, metavar="TARGET")
    mbox = targets.add_parser("mbox", parents=[common()], help="a mailbox into a new mbox file")
    mbox.add_argument("--user", required=True, metavar="NAME")
    mbox.add_argument("file", type=Path, metavar="FILE")
    mbox.add_argument("--mailbox", default=INBOX, metavar="NAME", help="default: INBOX")
    mbox.set_defaults(run=_export_mbox)
    maildir = targets.add_parser(
        "maildir", parents=[common()], help="an account as a Dovecot Maildir, its UIDs kept"
    )
    maildir.add_argument("--user", required=True, metavar="NAME")
    maildir.add_argument("dir", type=Path, metavar="DIR")
    maildir.set_defaults(run=_export_maildir)


def _dovecot_users(args: argparse.Namespace, config: Config) -> int:
    path: Path = args.file

    async def work(store: Store) -> UsersImport:
        with path.open("rb") as lines:
            return await import_users(store, read_passwd_file(lines))

    try:
        result = with_store(config, work)
    except OSError as exc:
        print(f"hato: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    return _report(path, result.rejected, _users_summary(result))


def _users_summary(result: UsersImport) -> str:
    return (
        f"{len(result.imported)} user(s) imported, {len(result.present)} already present, "
        f"{len(result.rejected)} line(s) not imported"
    )


def _report(path: Path, problems: list[LineProblem], summary: str) -> int:
    """Each problem on stderr, the summary on stdout; exit 1 if anything was left out."""
    for problem in problems:
        print(f"hato: {path}: {problem}", file=sys.stderr)
    print(f"hato: {summary}")
    return 1 if problems else 0


class _Bar:
    """A progress bar on stderr (tqdm: done, rate, time left), drawn from the first step
    on, so that an error found before any (no such user) is all stderr shows."""

    def __init__(self, total: int | None, unit: str, scale: bool = False) -> None:
        self._total, self._unit, self._scale = total, unit, scale
        self._bar: tqdm[None] | None = None

    def advance_to(self, done: int, postfix: str = "") -> None:
        if self._bar is None:
            from tqdm import tqdm  # here, not at the top: `hato serve` loads this module

            self._bar = tqdm(
                total=self._total, unit=self._unit, unit_scale=self._scale,
                file=sys.stderr, mininterval=0.5,
            )  # fmt: skip
        if postfix:
            self._bar.set_postfix_str(postfix, refresh=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class _Progress:
    """The mbox import's bar: MB read of the file, and messages."""

    def __init__(self, total: int) -> None:
        self.read = 0
        self.bar = _Bar(total, "B", scale=True)

    def lines(self, source: Iterator[bytes]) -> Iterator[bytes]:
        for line in source:
            self.read += len(line)
            yield line

    def show(self, done: MboxImport) -> None:
        self.bar.advance_to(self.read, f"{done.imported + done.present} messages")


def _mbox(args: argparse.Namespace, config: Config) -> int:
    path: Path = args.file
    name = validate_username(args.user)
    try:
        file = path.open("rb")
    except OSError as exc:
        print(f"hato: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    with file:
        progress = _Progress(os.fstat(file.fileno()).st_size)
        messages = read_mbox(progress.lines(iter(file)), config.limits.message_size)

        async def work(store: Store) -> MboxImport | None:
            account = await store.get_account(name)
            if account is None:
                return None
            mailstore = store.mailstore(account.id)
            if await mailstore.get_mailbox(args.mailbox) is None:
                await mailstore.create_mailbox(args.mailbox, subscribed=True)
            return await import_mbox(mailstore, args.mailbox, messages, progress.show)

        result = with_store(config, work)
    progress.bar.close()
    if result is None:
        print(f"hato: no such user: {name}", file=sys.stderr)
        return 1
    summary = (
        f"{result.imported} message(s) imported into {args.mailbox}, "
        f"{result.present} already there, {len(result.problems)} skipped"
    )
    status = _report(path, result.problems, summary)
    _say_index(result.imported, config)
    return status


def _say_index(imported: int, config: Config) -> None:
    """What indexes the imported messages for full-text search: the import leaves their
    text to the server's indexer (hato.migrate.maildir_import says why), and ``hato index
    stats`` shows them waiting until then; SEARCH finds them meanwhile, more slowly."""
    if not imported:
        return
    if config.search.index:
        print(f"hato: full-text index: {imported} message(s) waiting; `hato serve` indexes "
              "them (at once if it runs, else when it starts)")  # fmt: skip
    else:
        print(f"hato: full-text index: {imported} message(s) waiting; [search] index = false, "
              "so `hato index rebuild` indexes them")  # fmt: skip


class _MaildirProgress:
    """The Maildir import's bar: messages of the whole Maildir, and MB."""

    def __init__(self, totals: tuple[int, int]) -> None:
        files, self.size = totals
        self.bar = _Bar(files, "msg")

    def show(self, done: MaildirImport) -> None:
        self.bar.advance_to(done.done, f"{done.bytes_read / 1e6:.1f}/{self.size / 1e6:.1f} MB")


def _maildir(args: argparse.Namespace, config: Config) -> int:
    root: Path = args.path
    name = validate_username(args.user)
    if not (root / "cur").is_dir():
        print(f"hato: {root}: not a Maildir (no cur/ directory)", file=sys.stderr)
        return 1

    async def work(store: Store) -> MaildirImport | None:
        account = await store.get_account(name)
        if account is None:
            return None
        return await _import_one_maildir(store.mailstore(account.id), root, config)

    result = with_store(config, work)
    if result is None:
        print(f"hato: no such user: {name}", file=sys.stderr)
        return 1
    return _report_maildir(result, config)


async def _import_one_maildir(mailstore: Mailstore, root: Path, config: Config) -> MaildirImport:
    progress = _MaildirProgress(maildir_totals(root))
    try:
        return await import_maildir(mailstore, root, config.limits.message_size, progress.show)
    finally:
        progress.bar.close()


def _report_maildir(result: MaildirImport, config: Config, who: str = "") -> int:
    for problem in result.problems:
        print(f"hato: {problem}", file=sys.stderr)
    print(
        f"hato: {who}{result.imported} message(s) imported in {result.folders} folder(s), "
        f"{result.present} already there, {len(result.problems)} problem(s); "
        f"{result.new_uids} file(s) not in dovecot-uidlist given new UIDs, "
        f"{result.gone} listed UID(s) without a file (expunged)"
    )
    _say_index(result.imported, config)
    return 1 if result.problems else 0


def _dovecot(args: argparse.Namespace, config: Config) -> int:
    """The passwd-file's users (as ``import dovecot-users``), then each one's Maildir."""
    path: Path = args.users
    try:
        with path.open("rb") as lines:
            outcomes = list(read_passwd_file(lines))
    except OSError as exc:
        print(f"hato: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    entries = [outcome for outcome in outcomes if isinstance(outcome, PasswdEntry)]

    async def work(store: Store) -> int:
        users = await import_users(store, outcomes)
        status = _report(path, users.rejected, _users_summary(users))
        taken: dict[str, int] = {}
        for entry in entries:
            status |= await _dovecot_maildir(store, entry, args.maildirs, taken, config)
        return status

    return with_store(config, work)


async def _dovecot_maildir(
    store: Store, entry: PasswdEntry, maildirs: str | None, taken: dict[str, int], config: Config
) -> int:
    """Import one passwd-file user's Maildir, if it has one; the exit status."""
    first = taken.setdefault(entry.name, entry.line)
    if first != entry.line:
        print(
            f"hato: {entry.login}: the account {entry.name} is line {first}'s; "
            "Maildir not imported", file=sys.stderr,
        )  # fmt: skip
        return 1
    root = maildir_of(entry, maildirs)
    if isinstance(root, str):
        print(f"hato: {entry.login}: {root}", file=sys.stderr)
        return 1
    if not (root / "cur").is_dir():  # Dovecot makes a Maildir at the first mail only
        print(f"hato: {entry.name}: no Maildir at {root}, no mail imported")
        return 0
    account = await store.get_account(entry.name)
    assert account is not None  # import_users made it, or it was there
    result = await _import_one_maildir(store.mailstore(account.id), root, config)
    return _report_maildir(result, config, f"{entry.name}: ")


def _export_mbox(args: argparse.Namespace, config: Config) -> int:
    path: Path = args.file
    name = validate_username(args.user)
    try:
        file = path.open("xb")  # never over an existing file
    except OSError as exc:
        print(f"hato: cannot create {path}: {exc.strerror}", file=sys.stderr)
        return 1
    with file:

        async def work(store: Store) -> int | str:
            account = await store.get_account(name)
            if account is None:
                return f"no such user: {name}"
            mailstore = store.mailstore(account.id)
            if await mailstore.get_mailbox(args.mailbox) is None:
                return f"no such mailbox: {args.mailbox}"
            return await export_mbox(mailstore, args.mailbox, file.write)

        written = with_store(config, work)
    if isinstance(written, str):
        path.unlink()
        print(f"hato: {written}", file=sys.stderr)
        return 1
    print(f"hato: {written} message(s) of {args.mailbox} written to {path}")
    return 0


def _export_maildir(args: argparse.Namespace, config: Config) -> int:
    root: Path = args.dir
    name = validate_username(args.user)

    async def work(store: Store) -> MaildirExport | str:
        account = await store.get_account(name)
        if account is None:
            return f"no such user: {name}"
        try:
            return await export_maildir(store.mailstore(account.id), root, shown)
        except FileExistsError:
            return f"{root} exists already: hato writes a new Maildir only"
        finally:
            bar.close()

    bar = _Bar(None, "msg")  # the total is known as it goes

    def shown(done: MaildirExport) -> None:
        bar.advance_to(done.messages)

    try:
        result = with_store(config, work)
    except OSError as exc:
        print(f"hato: cannot write under {root}: {exc.strerror}", file=sys.stderr)
        return 1
    if isinstance(result, str):
        print(f"hato: {result}", file=sys.stderr)
        return 1
    for problem in result.problems:
        print(f"hato: {problem}", file=sys.stderr)
    print(f"hato: {result.messages} message(s) in {result.folders} folder(s) written to {root}")
    return 1 if result.problems else 0
