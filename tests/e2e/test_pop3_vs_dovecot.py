"""The lecture's POP3 session against hato and against Dovecot 2.3: every reply's status.

Both servers get the same two messages over LMTP, then the same commands over a raw
socket, as a student would type them. Replies must agree in status (+OK/-ERR) and, once
numbers are masked, in text: sizes differ only because each server writes its own
Received header.
"""

from __future__ import annotations

import re
import shutil
import smtplib
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.dovecot_server import running_dovecot
from bench.target import PASSWORD, USER
from tests.e2e.harness import HatoProcess

MESSAGES = [
    b"From: hato <hato@localhost>\r\nSubject: welcome\r\n\r\nwelcome\r\n",
    b"From: R <r@ono.example>\r\nSubject: dots\r\n\r\nhello\r\n.dot line\r\n",
]
MULTILINE = {"CAPA", "LIST", "UIDL", "RETR", "TOP"}
SESSION = [
    "STAT", "LIST", f"USER {USER}", "PASS wrong", f"USER {USER}", f"PASS {PASSWORD}", "STAT",
    "LIST", "LIST 2", "LIST 99", "retr 2", "UIDL", "UIDL 1", "TOP 2 0", "TOP 2 1", "NOOP",
    "FROB", "RETR", "RETR abc", "RETR 0", "RETR 1 2", "TOP 1", "TOP 1 x", "LIST -1",
    "DELE 1", "DELE 1", "RETR 1", "STAT", "RSET", "STAT", "DELE 2", "USER again",
    "\x01\x02binary", "QUIT",
]  # fmt: skip


def _deliver_lmtp(port: int, user: str) -> None:
    with smtplib.LMTP("127.0.0.1", port) as lmtp:
        for message in MESSAGES:
            lmtp.sendmail("r@ono.example", [f"{user}@localhost"], message)


def _multiline(verb: str, command: str) -> bool:
    """RETR/TOP/CAPA always, LIST/UIDL only without an argument (RFC 1939 §5, §7)."""
    if verb in ("LIST", "UIDL"):
        return " " not in command
    return verb in MULTILINE


def run_session(port: int) -> list[str]:
    """Each command's reply: its first line, numbers masked as N, then the body's line count."""
    replies = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        reader = raw.makefile("rb")
        reader.readline()
        for command in SESSION:
            raw.sendall(command.encode("latin-1") + b"\r\n")
            first = reader.readline().decode("latin-1").rstrip("\r\n")
            verb = command.split(" ")[0].upper()
            lines = 0
            if first.startswith("+OK") and _multiline(verb, command):
                while reader.readline() != b".\r\n":
                    lines += 1
            masked = re.sub(r"[0-9]+", "N", re.sub(r"\b[0-9a-f]{16}\b", "UIDL", first))
            replies.append(f"{command!r}: {masked}" + (f" +{lines}" if lines else ""))
        reader.close()
    return replies


@pytest.fixture(scope="module")
def dovecot_replies() -> Iterator[list[str]]:
    # Dovecot delivers as the mail user: its directory must be reachable by that user,
    # which pytest's private (0700) temporary base is not.
    scratch = Path(tempfile.mkdtemp(prefix="hato-vs-dovecot-"))
    scratch.chmod(0o755)
    try:
        with running_dovecot(scratch / "dv") as dovecot:
            _deliver_lmtp(dovecot.ports["lmtp"], USER)
            yield run_session(dovecot.ports["pop3"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def hato_replies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    process = HatoProcess(tmp_path_factory.mktemp("hato") / "data", services=("lmtp", "pop3"))
    process.add_user(USER, PASSWORD)
    process.start()
    try:
        _deliver_lmtp(process.ports["lmtp"], USER)
        yield run_session(process.ports["pop3"])
    finally:
        process.stop()


@pytest.mark.parametrize("index", range(len(SESSION)), ids=[c.split(" ")[0] for c in SESSION])
def test_reply_status_matches_dovecot(
    index: int, hato_replies: list[str], dovecot_replies: list[str]
) -> None:
    ours, theirs = hato_replies[index], dovecot_replies[index]
    assert ours.split(": ", 1)[1][:3] == theirs.split(": ", 1)[1][:3], (ours, theirs)


@pytest.mark.parametrize("index", range(len(SESSION)), ids=[c.split(" ")[0] for c in SESSION])
def test_reply_text_matches_dovecot(
    index: int, hato_replies: list[str], dovecot_replies: list[str]
) -> None:
    ours, theirs = hato_replies[index], dovecot_replies[index]
    if SESSION[index].startswith("\x01"):
        # Deliberate: Dovecot echoes control characters raw; hato escapes them, so an
        # unknown command can't send terminal escape codes to a student's telnet.
        assert theirs.endswith("Unknown command: \x01\x02BINARY")
        assert ours.endswith("Unknown command: \\xN\\xNBINARY")
        return
    if SESSION[index].split(" ")[0].upper() in ("LIST", "UIDL"):
        assert ours == theirs  # the same number of listing lines too
    else:  # RETR/TOP bodies differ by each server's own Received header
        assert ours.split(" +")[0] == theirs.split(" +")[0]
