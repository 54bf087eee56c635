"""``hato import dovecot --users FILE [--maildirs DIR|TEMPLATE]``: the passwd-file's users,
then each one's Maildir found where the layout says, imported with its UIDs; a user without
a Maildir is told, a second run imports nothing twice; and ``maildir_of``'s layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from hato.migrate.dovecot_server import maildir_of
from hato.migrate.dovecot_users import PasswdEntry
from hato.store import Store
from hato.store.base import Credentials
from tests.e2e.harness import hato, read_store
from tests.migrate.test_maildir import archive, inbox


def _users(path: Path, vmail: Path) -> Path:
    path.write_text(
        f"alice@example.org:{{PLAIN}}pw-a:8:8::{vmail / 'alice-home'}::\n"
        f"bob@example.org:{{PLAIN}}pw-b:8:8::{vmail / 'bob-home'}::\n"
        "alice@other.org:{PLAIN}pw-c:8:8::::\n"
    )
    return path


def _uids(data: Path) -> dict[tuple[str, str], tuple[int, list[int]]]:
    async def work(store: Store) -> dict[tuple[str, str], tuple[int, list[int]]]:
        found = {}
        for account in await store.list_accounts():
            box = store.mailstore(account.id)
            for mailbox in await box.list_mailboxes():
                uids = [m.uid for m in await box.messages(mailbox.id)]
                found[account.name, mailbox.name] = (mailbox.uidvalidity, uids)
        return found

    result = read_store(data, work)
    assert isinstance(result, dict)
    return result


def test_users_then_their_maildirs_by_template(tmp_path: Path) -> None:
    vmail = tmp_path / "vmail"
    inbox(vmail / "example.org" / "alice" / "Maildir")
    archive(vmail / "example.org" / "alice" / "Maildir")
    users = _users(tmp_path / "users", vmail)
    data = tmp_path / "data"
    args = ("import", "dovecot", "--users", str(users), "--maildirs", f"{vmail}/%d/%Ln/Maildir")
    done = hato(*args, data_dir=data)
    assert done.returncode == 1, done.stderr  # alice@other.org is alice's account already
    assert done.stdout.splitlines() == [
        "hato: 2 user(s) imported, 1 already present, 0 line(s) not imported",
        "hato: alice: 4 message(s) imported in 2 folder(s), 0 already there, 0 problem(s); "
        "1 file(s) not in dovecot-uidlist given new UIDs, 1 listed UID(s) without a file "
        "(expunged)",
        "hato: full-text index: 4 message(s) waiting; `hato serve` indexes them (at once if "
        "it runs, else when it starts)",
        f"hato: bob: no Maildir at {vmail}/example.org/bob/Maildir, no mail imported",
    ]
    assert "hato: alice@other.org: the account alice is line 1's; Maildir not imported" in (
        done.stderr
    )
    uids = _uids(data)
    assert uids["alice", "INBOX"] == (1796422671, [5, 9, 13])
    assert uids["alice", "Archive"] == (1700000000, [33])
    assert uids["bob", "INBOX"][1] == []
    again = hato(*args, data_dir=data)
    assert "hato: alice: 0 message(s) imported in 2 folder(s), 4 already there" in again.stdout
    assert _uids(data) == uids


def test_home_fields_and_a_directory(tmp_path: Path) -> None:
    vmail = tmp_path / "vmail"
    inbox(vmail / "bob-home" / "Maildir")
    users = _users(tmp_path / "users", vmail)
    data = tmp_path / "data"
    by_home = hato("import", "dovecot", "--users", str(users), data_dir=data)
    assert "hato: bob: 3 message(s) imported in 1 folder(s)" in by_home.stdout, by_home.stderr
    assert "alice@other.org: the account alice is line 1's" in by_home.stderr


def entry(login: str, home: str = "/srv/x") -> PasswdEntry:
    return PasswdEntry(1, login.partition("@")[0], Credentials("x"), login, home)


@pytest.mark.parametrize(
    ("maildirs", "login", "expected"),
    [
        (None, "alice@example.org", "/srv/x/Maildir"),
        ("/srv/mail", "alice@example.org", "/srv/mail/alice@example.org/Maildir"),
        ("/var/vmail/%d/%n/Maildir", "Alice@Example.org", "/var/vmail/Example.org/Alice/Maildir"),
        ("/var/vmail/%Ld/%Ln/%%", "Alice@Example.org", "/var/vmail/example.org/alice/%"),
        ("%h/mail", "alice", "/srv/x/mail"),
        ("/m/%x", "alice", "--maildirs: unknown variable %x (use %u %n %d %h %%)"),
        ("/m/%u", "a/../../etc@x", "user a/../../etc@x: not a name for a directory"),
    ],
)
def test_where_a_maildir_is(maildirs: str | None, login: str, expected: str) -> None:
    assert str(maildir_of(entry(login), maildirs)) == expected


def test_no_home_and_no_template_is_said() -> None:
    found = maildir_of(entry("alice", home=""), None)
    assert found == "no home field in the passwd-file and no --maildirs"
