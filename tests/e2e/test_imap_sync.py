"""mbsync (isync) and offlineimap3 keep a Maildir in step with `hato serve`, both ways.

Each tool first copies the server's INBOX down; then a message written into
the Maildir goes up, a flag set on either side crosses over, and a message
expunged on the server disappears from the Maildir.  These are the Debian
programs students use for offline mail.
"""

from __future__ import annotations

import imaplib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess

USER, PASSWORD = "syncer", "syncer-pw"
MESSAGES = [
    b"From: a@example.org\r\nSubject: first\r\nMessage-ID: <1@example.org>\r\n\r\none\r\n",
    b"From: b@example.org\r\nSubject: second\r\nMessage-ID: <2@example.org>\r\n\r\ntwo\r\n",
]
LOCAL = b"From: c@example.org\r\nSubject: written offline\r\nMessage-ID: <3@x>\r\n\r\nc\r\n"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path / "data", services=("imap",))
    process.add_user(USER, PASSWORD)
    process.start()
    with imaplib.IMAP4("127.0.0.1", process.ports["imap"]) as imap:
        imap.login(USER, PASSWORD)
        for message in MESSAGES:
            imap.append("INBOX", "", None, message)
    yield process
    assert process.stop() == 0


def _server_state(port: int) -> dict[str, str]:
    """Subject -> FLAGS of every message in the server's INBOX."""
    with imaplib.IMAP4("127.0.0.1", port) as imap:
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        _, data = imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    state = {}
    for item in data:
        if isinstance(item, tuple):
            subject = item[1].decode().split(":", 1)[1].strip()
            state[subject] = item[0].decode().split("FLAGS (")[1].split(")")[0]
    return state


def _set_server_flags(port: int, subject: str, command: str, flags: str) -> None:
    with imaplib.IMAP4("127.0.0.1", port) as imap:
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        _, found = imap.search(None, "SUBJECT", f'"{subject}"')
        imap.store(found[0].decode(), command, flags)
        if "Deleted" in flags:
            imap.expunge()


def _maildir(root: Path) -> dict[str, str]:
    """Subject -> Maildir info flags of every message under ``root`` (cur and new)."""
    state = {}
    for path in [*root.glob("cur/*"), *root.glob("new/*")]:
        subject = next(
            line.split(":", 1)[1].strip()
            for line in path.read_bytes().decode().splitlines()
            if line.startswith("Subject:")
        )
        state[subject] = path.name.split(":2,")[1] if ":2," in path.name else ""
    return state


def _drop_into(root: Path, name: str, data: bytes) -> None:
    (root / "new").mkdir(parents=True, exist_ok=True)
    (root / "new" / name).write_bytes(data)


def _flag_locally(root: Path, subject: str, flag: str) -> None:
    for path in [*root.glob("cur/*"), *root.glob("new/*")]:
        if f"Subject: {subject}" in path.read_bytes().decode():
            base, _, flags = path.name.partition(":2,")
            new = "".join(sorted(set(flags + flag)))
            path.rename(root / "cur" / f"{base}:2,{new}")


def _check(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr


MBSYNC = """\
IMAPAccount hato
Host 127.0.0.1
Port {port}
User {user}
Pass {password}
SSLType None
AuthMechs LOGIN

IMAPStore hato-remote
Account hato

MaildirStore local
Path {root}/
Inbox {root}/INBOX
SubFolders Verbatim

Channel hato
Far :hato-remote:
Near :local:
Patterns INBOX
Create Both
Expunge Both
Sync All
SyncState *
"""


def _mbsync(config: Path) -> None:
    command = ["mbsync", "-c", str(config), "-a"]
    _check(subprocess.run(command, capture_output=True, text=True, timeout=60, check=False))


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="isync is not installed")
def test_mbsync_syncs_both_ways(server: HatoProcess, tmp_path: Path) -> None:
    port = server.ports["imap"]
    root = tmp_path / "mail"
    config = tmp_path / "mbsyncrc"
    config.write_text(MBSYNC.format(port=port, user=USER, password=PASSWORD, root=root))
    root.mkdir()
    _mbsync(config)
    inbox = root / "INBOX"
    assert set(_maildir(inbox)) == {"first", "second"}

    _drop_into(inbox, "1700000000.local.host", LOCAL)
    _flag_locally(inbox, "first", "F")
    _set_server_flags(port, "second", "+FLAGS", "(\\Seen)")
    _mbsync(config)
    remote = _server_state(port)
    assert set(remote) == {"first", "second", "written offline"}
    assert "\\Flagged" in remote["first"]
    assert "S" in _maildir(inbox)["second"]

    _set_server_flags(port, "first", "+FLAGS", "(\\Deleted)")
    _mbsync(config)
    assert set(_maildir(inbox)) == {"second", "written offline"}


OFFLINEIMAP = """\
[general]
accounts = hato
metadata = {meta}

[Account hato]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {root}

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = {port}
remoteuser = {user}
remotepass = {password}
ssl = no
starttls = no
folderfilter = lambda name: name == "INBOX"
"""


def _offlineimap(config: Path) -> None:
    command = ["offlineimap", "-c", str(config), "-o", "-u", "quiet"]
    _check(subprocess.run(command, capture_output=True, text=True, timeout=120, check=False))


@pytest.mark.skipif(shutil.which("offlineimap") is None, reason="offlineimap3 is not installed")
def test_offlineimap_syncs_both_ways(server: HatoProcess, tmp_path: Path) -> None:
    port = server.ports["imap"]
    root = tmp_path / "mail"
    config = tmp_path / "offlineimaprc"
    config.write_text(
        OFFLINEIMAP.format(
            meta=tmp_path / "meta", root=root, port=port, user=USER, password=PASSWORD
        )
    )
    _offlineimap(config)
    inbox = root / "INBOX"
    assert set(_maildir(inbox)) == {"first", "second"}

    _drop_into(inbox, "1700000000_0.local.host,FMD5=0:2,", LOCAL)
    _flag_locally(inbox, "first", "F")
    _set_server_flags(port, "second", "+FLAGS", "(\\Seen)")
    _offlineimap(config)
    remote = _server_state(port)
    assert set(remote) == {"first", "second", "written offline"}
    assert "\\Flagged" in remote["first"]
    assert "S" in _maildir(inbox)["second"]

    _set_server_flags(port, "first", "+FLAGS", "(\\Deleted)")
    _offlineimap(config)
    assert set(_maildir(inbox)) == {"second", "written offline"}
