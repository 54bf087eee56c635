"""The lecture's IMAP session against hato and against Dovecot 2.3: every reply compared.

Both servers get the same message over LMTP, then the commands of the
reference session (see tests/e2e/test_imap_transcript.py) over a raw socket, logged in as the
bench account.  Every command's tagged status must agree.  The text must
agree too once what is not deterministic is masked: Dovecot's timings,
numbers (sizes differ by each server's own Received header; UIDVALIDITY is
a clock), and the places where hato follows the slides rather than today's
Dovecot, listed in DIFFERENT with the reason.
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
from tests.e2e.test_imap_transcript import read_response, reference_session
from tests.shared_dir import shared_path

MESSAGE = b"From: hato <hato@localhost>\r\nSubject: welcome\r\n\r\nwelcome\r\n"
_TIMING = re.compile(r" \(\d+\.\d+(?: \+ \d+\.\d+)* secs\)")

# The commands whose text differs by design; the status must still agree.
DIFFERENT = {
    "CAPABILITY": "hato lists only what it implements, not all of Dovecot's",
    "LOGIN": "the slides show [CAPABILITY ...] in LOGIN's OK; the lists differ as above",
    "LIST": 'the slides quote names ("INBOX"); Dovecot adds \\HasNoChildren to INBOX',
    "SELECT": "the slides show [HIGHESTMODSEQ] on SELECT; and [MAILBOXID] (RFC 8474 §4.2)",
    "EXAMINE": "the slides show [HIGHESTMODSEQ] on EXAMINE; and [MAILBOXID] (RFC 8474 §4.2)",
    "CREATE": "RFC 8474 §4.1: [MAILBOXID] in CREATE's OK (hato has OBJECTID, Dovecot 2.3 not)",
}


@pytest.fixture(scope="module")
def session() -> list[str]:
    """The reference session's commands, logged in as the bench account (read here, not at
    collection, so the module collects without the shared folder and its tests skip)."""
    _, steps = reference_session(shared_path("reference/dovecot-2.3.19-imap-session.txt"))
    commands = []
    for command, _lines in steps:
        if " LOGIN " in command:
            password = "wrong" if command.endswith(" wrong") else PASSWORD
            command = f"{command.split(' ')[0]} LOGIN {USER} {password}"
        commands.append(command)
    return commands


def _deliver(port: int) -> None:
    with smtplib.LMTP("127.0.0.1", port) as lmtp:
        lmtp.sendmail("hato@localhost", [f"{USER}@localhost"], MESSAGE)


def normalize(line: str) -> str:
    line = _TIMING.sub("", line)
    if re.match(r"A\d+ (OK|NO|BAD) ", line):
        line = line.rstrip(".")
    return re.sub(r"\d+", "N", line.split("\r\n", 1)[0])


def run_session(port: int, session: list[str]) -> list[list[str]]:
    """Each command's response lines (a literal's data cut off), normalized."""
    replies = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        reader = raw.makefile("rb")
        reader.readline()
        for command in session:
            raw.sendall(command.encode() + b"\r\n")
            lines = read_response(reader, command.split(" ")[0])
            replies.append([normalize(line) for line in lines])
        reader.close()
    return replies


@pytest.fixture(scope="module")
def dovecot_replies(session: list[str]) -> Iterator[list[list[str]]]:
    # Dovecot delivers as the mail user: its directory must be reachable by that user,
    # which pytest's private (0700) temporary base is not.
    scratch = Path(tempfile.mkdtemp(prefix="hato-imap-vs-dovecot-"))
    scratch.chmod(0o755)
    try:
        with running_dovecot(scratch / "dv") as dovecot:
            _deliver(dovecot.ports["lmtp"])
            yield run_session(dovecot.ports["imap"], session)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def hato_replies(
    tmp_path_factory: pytest.TempPathFactory, session: list[str]
) -> Iterator[list[list[str]]]:
    process = HatoProcess(tmp_path_factory.mktemp("hato") / "data", services=("lmtp", "imap"))
    process.add_user(USER, PASSWORD)
    process.start()
    try:
        _deliver(process.ports["lmtp"])
        yield run_session(process.ports["imap"], session)
    finally:
        assert process.stop() == 0


def test_reply_status_matches_dovecot(
    session: list[str], hato_replies: list[list[str]], dovecot_replies: list[list[str]]
) -> None:
    """Every command's tagged status, beside its command: a mismatch shows in the diff."""
    assert len(session) > 10
    assert _statuses(session, hato_replies) == _statuses(session, dovecot_replies)


def test_reply_text_matches_dovecot(
    session: list[str], hato_replies: list[list[str]], dovecot_replies: list[list[str]]
) -> None:
    differ = {}
    for command, ours, theirs in zip(session, hato_replies, dovecot_replies, strict=True):
        verb = command.split(" ")[1]
        if verb in DIFFERENT:
            # the same kinds of untagged data, whatever their text
            if not _kinds(theirs) <= _kinds(ours):
                differ[command] = (DIFFERENT[verb], ours, theirs)
        elif sorted(ours) != sorted(theirs):
            differ[command] = ("", ours, theirs)
    assert differ == {}


def _statuses(session: list[str], replies: list[list[str]]) -> list[tuple[str, str]]:
    return [(c, r[-1].split(" ")[1]) for c, r in zip(session, replies, strict=True)]


def _kinds(lines: list[str]) -> set[str]:
    return {" ".join(line.split(" ")[:2]).split("(")[0] for line in lines[:-1]}
