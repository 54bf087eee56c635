"""The lecture's IMAP session, replayed against `hato serve --demo`, line for line.

The reference is what Dovecot 2.3.19 answered (a transcript kept beside the
checkout, in the shared folder's reference/, not in this repository: see
tests/shared_dir.py).  Before
the replay a setup connection makes INBOX hold exactly the reference's
message (the same 290 octets, the same INTERNALDATE, UIDNEXT 3), so even the
BODY[], ENVELOPE and BODYSTRUCTURE lines must match byte for byte.  What is
masked or rewritten, and why:

- Dovecot's `(0.001 + 0.000 secs)` timings (no client reads them); a tagged
  text's final period, which Dovecot adds only together with the timing.
- The UIDVALIDITY and HIGHESTMODSEQ values, and the message's UID (the
  demo's own welcome took UID 1).
- The CAPABILITY lists: hato advertises only what it implements (the
  slide's list and a few more), not Dovecot's whole list.
- Where the slides and Dovecot differ the slides win:
  LIST quotes mailbox names, SELECT/EXAMINE send [HIGHESTMODSEQ], and the
  example config's duplicated `Archives` line is not hato's to repeat.
- Nothing else: the demo runs in classroom mode, where hato does not announce
  OBJECTID (RFC 8474), whose MAILBOXID would add a line to SELECT and a code to
  CREATE's OK that the lecture's Dovecot 2.3 does not send.
  LIST lines are compared as a set (no client depends on their order).
"""

from __future__ import annotations

import imaplib
import re
import socket
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess
from tests.shared_dir import shared_path

DEMO = ("is_network", "3is_network")
PRE_LOGIN = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ IMAP4rev2 STARTTLS AUTH=PLAIN "
    "AUTH=LOGIN AUTH=SCRAM-SHA-256"
)
# The lecture's LOGIN slide, word for word and in its order, then what hato adds.
SLIDE_CAPABILITIES = (
    "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS MULTIAPPEND UNSELECT IDLE CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 "
    "CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH"
)
POST_LOGIN = (
    SLIDE_CAPABILITIES.replace("THREAD=REFS", "THREAD=REFS THREAD=ORDEREDSUBJECT")
    + " CONTEXT=SORT LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE"
    + " SAVEDATE NOTIFY SPECIAL-USE"
    + " COMPRESS=DEFLATE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE UNAUTHENTICATE UTF8=ACCEPT"
    + " IMAP4rev2 REPLACE URL-PARTIAL CATENATE URLAUTH URLAUTH=BINARY METADATA MULTISEARCH"
    + " APPENDLIMIT="
)
_TIMING = re.compile(r" \(\d+\.\d+(?: \+ \d+\.\d+)* secs\)")


def reference_session(transcript: Path) -> tuple[str, list[tuple[str, list[str]]]]:
    """(greeting, [(command, response lines)]); literal lines join their S: line."""
    greeting = ""
    steps: list[tuple[str, list[str]]] = []
    for line in transcript.read_text().rstrip("\n").split("\n"):
        if line.startswith("C: "):
            steps.append((line[3:], []))
        elif line.startswith("S: ") and not steps:
            greeting = line[3:]
        elif line.startswith("S: "):
            steps[-1][1].append(line[3:])
        elif steps and steps[-1][1]:
            steps[-1][1][-1] += "\r\n" + line
    return greeting, steps


def normalize(line: str) -> str:
    line = _TIMING.sub("", line)
    line = re.sub(r"(UIDVALIDITY|HIGHESTMODSEQ|UID) \d+", r"\1 n", line)
    line = re.sub(r"APPENDLIMIT=\d+", "APPENDLIMIT=", line)
    if re.match(r"[A-Z]\d+ (OK|NO|BAD) ", line):
        line = line.rstrip(".")
    return line


def expected(command: str, lines: list[str]) -> list[str]:
    """The reference answer, rewritten where hato follows the slides (see above)."""
    out: list[str] = []
    for line in lines:
        if line.startswith("* CAPABILITY ") or line.startswith("* OK [CAPABILITY "):
            line = re.sub(r"CAPABILITY [^\]]*", "CAPABILITY " + _caps(command), line, count=1)
        if line.startswith("* LIST "):
            line = re.sub(r'"\." (\S+)$', r'"." "\1"', line)
            if line in out:
                continue
        out.append(line)
        if line.startswith("* OK [UIDNEXT"):
            out.append("* OK [HIGHESTMODSEQ n] Highest")
    return [normalize(line) for line in out]


def _caps(command: str) -> str:
    return POST_LOGIN if " LOGIN " in command else PRE_LOGIN


def read_response(reader: socket.SocketIO | object, tag: str) -> list[str]:
    """Lines up to the tagged one; a literal's data joins its line."""
    lines: list[str] = []
    while True:
        raw = reader.readline()  # type: ignore[attr-defined]
        assert raw, f"connection closed before {tag} completed: {lines}"
        line = raw.decode("utf-8").rstrip("\r\n")
        literal = re.search(r"\{(\d+)\}$", line)
        if literal:
            data = reader.read(int(literal.group(1)))  # type: ignore[attr-defined]
            line += "\r\n" + data.decode("utf-8") + reader.readline().decode().rstrip("\r\n")
        lines.append(line)
        if line.startswith(tag + " "):
            return lines


def welcome_literal(steps: list[tuple[str, list[str]]]) -> bytes:
    fetched = next(lines for command, lines in steps if command.endswith("BODY[]"))[0]
    body = fetched.split("\r\n", 1)[1].rsplit("\r\n", 1)[0]
    return (body + "\r\n").encode()


def prepare_inbox(port: int, message: bytes) -> None:
    """INBOX holds just the reference message, as UID 2 (UIDNEXT 3, as in the reference)."""
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(*DEMO)
    date = '"27-Nov-2026 23:10:43 +0000"'
    assert imap.append("INBOX", "", date, message)[0] == "OK"
    imap.select("INBOX")
    imap.store("1", "+FLAGS", "\\Deleted")
    imap.expunge()
    imap.logout()


@pytest.fixture(scope="module")
def transcript() -> Path:
    """Found (or the test skipped) before a server is started for nothing."""
    return shared_path("reference/dovecot-2.3.19-imap-session.txt")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> HatoProcess:
    data = tmp_path_factory.mktemp("imap-demo") / "data"
    process = HatoProcess(data, services=("imap",), args=("--demo",)).start()
    yield process  # type: ignore[misc]
    assert process.stop() == 0


def test_the_lecture_session_line_for_line(transcript: Path, demo: HatoProcess) -> None:
    greeting, steps = reference_session(transcript)
    prepare_inbox(demo.ports["imap"], welcome_literal(steps))
    with socket.create_connection(("127.0.0.1", demo.ports["imap"]), timeout=10) as raw:
        reader = raw.makefile("rb")
        first = reader.readline().decode().rstrip("\r\n")
        assert greeting.endswith("] Dovecot (Debian) ready.")
        assert first == f"* OK [CAPABILITY {PRE_LOGIN}] hato ready."
        for command, lines in steps:
            raw.sendall(command.encode() + b"\r\n")
            got = [normalize(line) for line in read_response(reader, command.split()[0])]
            want = expected(command, lines)
            assert _listing_as_set(got) == _listing_as_set(want), command


def _listing_as_set(lines: list[str]) -> list[str]:
    listed = sorted(line for line in lines if line.startswith("* LIST "))
    return listed + [line for line in lines if not line.startswith("* LIST ")]
