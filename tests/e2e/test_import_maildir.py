"""Moving from a real Dovecot 2.3 without the clients noticing, and back.

A Dovecot gets mail over LMTP and IMAP (folders with a non-ASCII name, flags, keywords,
an APPEND with its own INTERNALDATE, an expunge), and mbsync (isync) syncs it into a local
Maildir. ``hato import maildir`` then takes Dovecot's Maildir: every mailbox's UIDVALIDITY,
UIDNEXT, UIDs, FLAGS, INTERNALDATE, RFC822.SIZE and BODY[] over IMAP are Dovecot's. mbsync,
pointed at hato with the same state, transfers nothing (no body fetched, nothing stored,
the local Maildir unchanged). ``hato export maildir`` of the account, given to a fresh
Dovecot, shows the same again.
"""

from __future__ import annotations

import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.dovecot_server import MAIL_UID, running_dovecot
from bench.target import PASSWORD, USER
from tests.e2e.harness import HatoProcess, hato

pytestmark = pytest.mark.skipif(
    shutil.which("dovecot") is None or shutil.which("mbsync") is None or os.geteuid() != 0,
    reason="needs Dovecot, isync and root (Dovecot's mail user)",
)

CAFE = "Caf&AOk-.Sub"  # Café.Sub in modified UTF-7
BOXES = ("INBOX", "Archive", CAFE, "Sent Messages")
MBSYNC = """\
IMAPAccount server
Host 127.0.0.1
Port {port}
User {user}
Pass {password}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account server

MaildirStore local
Path {root}/
Inbox {root}/INBOX
SubFolders Verbatim

Channel switch
Far :remote:
Near :local:
Patterns *
Create Near
Sync All
SyncState *
"""
_ITEM = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)|INTERNALDATE \"([^\"]+)\"|RFC822\.SIZE (\d+)")


def _deliver(port: int, count: int) -> None:
    with smtplib.LMTP("127.0.0.1", port) as lmtp:
        for n in range(count):
            body = f"From: a@example.org\r\nSubject: note {n}\r\n\r\nline\r\n{'x' * n}\r\n"
            lmtp.sendmail("a@example.org", [f"{USER}@localhost"], body.encode())


def _fill(imap_port: int, lmtp_port: int) -> None:
    """Folders, flags, keywords, an APPEND with a date, and an expunged UID."""
    _deliver(lmtp_port, 6)
    client = imaplib.IMAP4("127.0.0.1", imap_port)
    client.login(USER, PASSWORD)
    for box in BOXES[1:]:
        client.create(f'"{box}"')
    client.subscribe(CAFE)
    client.select("INBOX")
    client.store("1", "+FLAGS", "(\\Seen $Forwarded Custom1)")
    client.store("2", "+FLAGS", "(\\Answered \\Flagged \\Draft Other)")
    client.store("3", "+FLAGS", "(\\Deleted)")
    client.expunge()
    client.store("4", "+FLAGS", "(\\Deleted)")  # kept, flagged deleted
    client.copy("1:2", "Archive")
    client.append(
        "Archive", "(\\Seen)", '"01-Jan-2020 10:00:00 +0900"', b"Subject: old\n\nbare LF\n"
    )
    client.append(f'"{BOXES[3]}"', "(\\Seen)", None, b"Subject: sent\r\n\r\nsent\r\n")
    client.append(CAFE, "()", None, b"Subject: caf\r\n\r\ncaf\r\n")
    client.logout()


def _view(port: int) -> dict[str, object]:
    """Every mailbox as a client sees it: UIDVALIDITY, UIDNEXT, and each message."""
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    view: dict[str, object] = {}
    for box in BOXES:
        _, status = client.status(f'"{box}"', "(UIDVALIDITY UIDNEXT)")
        client.select(f'"{box}"', readonly=True)
        _, data = client.uid("FETCH", "1:*", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
        view[box] = (status[0].split(b"(", 1)[1], _messages(data))
    client.logout()
    return view


def _messages(data: list[object]) -> list[tuple[object, ...]]:
    found = []
    for part in data:
        if not isinstance(part, tuple):
            continue
        head, body = part
        items: dict[str, bytes] = {}
        for match in _ITEM.finditer(head):
            for key, value in zip(("uid", "flags", "date", "size"), match.groups(), strict=True):
                if value is not None:
                    items[key] = value
        flags = frozenset(items["flags"].split()) - {b"\\Recent"}
        found.append((items["uid"], flags, items["date"], items["size"], body))
    return found


def _mbsync(config: Path) -> str:
    done = subprocess.run(
        ["mbsync", "-Dn", "-c", str(config), "-a"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


def _local(root: Path) -> dict[str, str]:
    """Every file of the local Maildir (mbsync's near side) and its contents' start."""
    return {
        str(path.relative_to(root)): path.read_bytes()[:40].decode("latin-1")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    # Dovecot runs as the mail user: pytest's private (0700) temporary base is out of its reach.
    path = Path(tempfile.mkdtemp(prefix="hato-import-maildir-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_switch_from_dovecot_transfers_nothing_and_export_reads_back(scratch: Path) -> None:
    local, config = scratch / "local", scratch / "mbsyncrc"
    local.mkdir()
    with running_dovecot(scratch / "dv") as dovecot:
        _fill(dovecot.ports["imap"], dovecot.ports["lmtp"])
        config.write_text(
            MBSYNC.format(port=dovecot.ports["imap"], user=USER, password=PASSWORD, root=local)
        )
        _mbsync(config)
        before = _view(dovecot.ports["imap"])
    synced = _local(local)
    assert len([name for name in synced if "/cur/" in name or "/new/" in name]) == 10

    data = scratch / "hato"
    server = HatoProcess(data, services=("imap",))
    server.add_user(USER, PASSWORD)
    server.start()
    try:
        maildir = scratch / "dv" / "home" / "Maildir"
        done = hato("import", "maildir", str(maildir), "--user", USER, data_dir=data)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("hato: 10 message(s) imported in "), done.stdout
        assert _view(server.ports["imap"]) == before

        config.write_text(
            MBSYNC.format(port=server.ports["imap"], user=USER, password=PASSWORD, root=local)
        )
        sent = [line for line in _mbsync(config).splitlines() if line.startswith(">>> ")]
        assert sent and not [line for line in sent if "BODY" in line or "APPEND" in line]
        assert _local(local) == synced  # no file added, renamed or removed

        again = hato("import", "maildir", str(maildir), "--user", USER, data_dir=data)
        assert again.stdout.startswith("hato: 0 message(s) imported in "), again.stdout
        assert "10 already there" in again.stdout

        _arrives_while_selected(server.ports["imap"], maildir, data)
        after = _view(server.ports["imap"])
        exported = scratch / "dv2-maildir"
        out = hato("export", "maildir", "--user", USER, str(exported), data_dir=data)
        assert out.returncode == 0, out.stderr
    finally:
        server.stop()
    with running_dovecot(scratch / "dv2") as fresh:
        home = scratch / "dv2" / "home"
        shutil.move(exported, home / "Maildir")
        subprocess.run(["chown", "-R", f"{MAIL_UID}:{MAIL_UID}", str(home)], check=True)
        assert _view(fresh.ports["imap"]) == after


def _arrives_while_selected(port: int, maildir: Path, data: Path) -> None:
    """A message Dovecot's Maildir got after the import (not in its dovecot-uidlist yet)
    comes over with the next free UID, and a session with INBOX selected is told."""
    body = b"Subject: late\n\nstill on Dovecot\n"
    name = f"1800000000.M1P1.late,S={len(body)},W={len(body) + 3}"
    (maildir / "new" / name).write_bytes(body)
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    _, exists = client.select("INBOX")
    client.untagged_responses.clear()
    done = hato("import", "maildir", str(maildir), "--user", USER, data_dir=data)
    assert done.stdout.startswith("hato: 1 message(s) imported in "), done.stdout
    assert "1 file(s) not in dovecot-uidlist given new UIDs" in done.stdout
    deadline = time.monotonic() + 30
    while "EXISTS" not in client.untagged_responses and time.monotonic() < deadline:
        time.sleep(0.2)
        client.noop()
    assert client.untagged_responses.get("EXISTS") == [str(int(exists[0]) + 1).encode()], (
        exists,
        client.untagged_responses,
    )
    _, found = client.uid("FETCH", "*", "(BODY.PEEK[])")
    assert found[0][1] == body.replace(b"\n", b"\r\n")
    client.logout()
