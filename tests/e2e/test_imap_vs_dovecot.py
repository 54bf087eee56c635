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

MESSAGE = b"From: hato <hato@localhost>\r\nSubject: welcome\r\n\r\nwelcome\r\n"
_TIMING = re.compile(r" \(\d+\.\d+(?: \+ \d+\.\d+)* secs\)")

# The commands whose text differs by design; the status must still agree.
DIFFERENT = {
    "CAPABILITY": "hato lists only what it implements, not all of Dovecot's",
    "LOGIN": "the slides show [CAPABILITY ...] in LOGIN's OK; the lists differ as above",
    "LIST": 'the slides quote names ("INBOX"); Dovecot adds \\HasNoChildren to INBOX',
    "SELECT": "the slides show [HIGHESTMODSEQ] on SELECT",
    "EXAMINE": "the slides show [HIGHESTMODSEQ] on EXAMINE",
}


def session() -> list[str]:
    _, steps = reference_session()
    commands = []
    for command, _lines in steps:
        if " LOGIN " in command:
            password = "wrong" if command.endswith(" wrong") else PASSWORD
            command = f"{command.split(' ')[0]} LOGIN {USER} {password}"
        commands.append(command)
    return commands


SESSION = session()


def _deliver(port: int) -> None:
    with smtplib.LMTP("127.0.0.1", port) as lmtp:
        lmtp.sendmail("hato@localhost", [f"{USER}@localhost"], MESSAGE)


def normalize(line: str) -> str:
    line = _TIMING.sub("", line)
    if re.match(r"A\d+ (OK|NO|BAD) ", line):
        line = line.rstrip(".")
    return re.sub(r"\d+", "N", line.split("\r\n", 1)[0])


def run_session(port: int) -> list[list[str]]:
    """Each command's response lines (a literal's data cut off), normalized."""
    replies = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        reader = raw.makefile("rb")
        reader.readline()
        for command in SESSION:
            raw.sendall(command.encode() + b"\r\n")
            lines = read_response(reader, command.split(" ")[0])
            replies.append([normalize(line) for line in lines])
        reader.close()
    return replies


@pytest.fixture(scope="module")
def dovecot_replies() -> Iterator[list[list[str]]]:
    # Dovecot delivers as the mail user: its directory must be reachable by that user,
    # which pytest's private (0700) temporary base is not.
    scratch = Path(tempfile.mkdtemp(prefix="hato-imap-vs-dovecot-"))
    scratch.chmod(0o755)
    try:
        with running_dovecot(scratch / "dv") as dovecot:
            _deliver(dovecot.ports["lmtp"])
            yield run_session(dovecot.ports["imap"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def hato_replies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[list[str]]]:
    process = HatoProcess(tmp_path_factory.mktemp("hato") / "data", services=("lmtp", "imap"))
    process.add_user(USER, PASSWORD)
    process.start()
    try:
        _deliver(process.ports["lmtp"])
        yield run_session(process.ports["imap"])
    finally:
        assert process.stop() == 0


def _ids() -> list[str]:
    return [f"{c.split(' ')[0]}-{c.split(' ')[1]}" for c in SESSION]


@pytest.mark.parametrize("index", range(len(SESSION)), ids=_ids())
def test_reply_status_matches_dovecot(
    index: int, hato_replies: list[list[str]], dovecot_replies: list[list[str]]
) -> None:
    ours, theirs = hato_replies[index][-1], dovecot_replies[index][-1]
    assert ours.split(" ")[1] == theirs.split(" ")[1], (ours, theirs)


@pytest.mark.parametrize("index", range(len(SESSION)), ids=_ids())
def test_reply_text_matches_dovecot(
    index: int, hato_replies: list[list[str]], dovecot_replies: list[list[str]]
) -> None:
    verb = SESSION[index].split(" ")[1]
    ours, theirs = hato_replies[index], dovecot_replies[index]
    if verb in DIFFERENT:
        # the same kinds of untagged data, whatever their text
        assert _kinds(theirs) <= _kinds(ours), (DIFFERENT[verb], ours, theirs)
        return
    assert sorted(ours) == sorted(theirs)


def _kinds(lines: list[str]) -> set[str]:
    return {" ".join(line.split(" ")[:2]).split("(")[0] for line in lines[:-1]}
