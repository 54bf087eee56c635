"""Keywords reach a session through FLAGS before any FETCH shows one (RFC 3501 §7.2.6).

imaptest checks every FETCH it reads: a keyword the session was not told of in FLAGS
("Keyword used without being in FLAGS") is an error. Two imaplib sessions on one
mailbox, each recording every line it reads in order, check the same whichever path
the keyword takes: another session's STORE seen by FETCH, NOOP or IDLE, the
session's own STORE (-FLAGS too, which creates the keyword as Dovecot does), APPEND
and COPY into the selected mailbox.
"""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess

_FLAGS = re.compile(rb"^\* FLAGS \(([^)]*)\)")
_FETCH_FLAGS = re.compile(rb"^\* \d+ FETCH \(.*FLAGS \(([^)]*)\)")
MESSAGE = b"From: a@example.org\r\nSubject: k\r\n\r\nbody\r\n"


class Recording(imaplib.IMAP4):
    """An imaplib session that keeps every line it reads, in order."""

    def __init__(self, port: int) -> None:
        self.heard: list[bytes] = []
        self.mailbox = ""
        super().__init__("127.0.0.1", port, timeout=10)

    def readline(self) -> bytes:
        line = super().readline()
        self.heard.append(line)
        return line

    def fetch_lines(self) -> list[bytes]:
        return [line for line in self.heard if _FETCH_FLAGS.match(line)]


def keywords(flags: bytes) -> set[bytes]:
    return {flag.lower() for flag in flags.split() if not flag.startswith(b"\\")}


def assert_told_first(session: Recording) -> None:
    """Every keyword in a FETCH came in a FLAGS response before it."""
    told: set[bytes] = set()
    for line in session.heard:
        if found := _FLAGS.match(line):
            told = keywords(found.group(1))
        elif found := _FETCH_FLAGS.match(line):
            untold = keywords(found.group(1)) - told
            assert not untold, (line, session.heard)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("keywords") / "data"
    process = HatoProcess(data, services=("smtp", "imap"))
    process.add_user("alice", "alice-pw")
    process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture
def pair(server: HatoProcess) -> Iterator[tuple[Recording, Recording]]:
    """Two sessions with a fresh mailbox of two messages selected."""
    one, two = Recording(server.ports["imap"]), Recording(server.ports["imap"])
    for session in (one, two):
        session.login("alice", "alice-pw")
    boxes = len(one.list()[1])
    one.mailbox = two.mailbox = f"box{boxes}"
    one.create(one.mailbox)
    for _ in range(2):
        one.append(one.mailbox, None, None, MESSAGE)
    for session in (one, two):
        session.select(one.mailbox)
    yield one, two
    for session in (one, two):
        assert_told_first(session)
        session.logout()


def test_another_sessions_keyword_then_fetch(pair: tuple[Recording, Recording]) -> None:
    one, two = pair
    two.store("1", "+FLAGS", "($Apple)")
    one.fetch("1:*", "(FLAGS)")
    assert b"$Apple" in b"".join(one.fetch_lines())


@pytest.mark.parametrize("command", ["FLAGS", "UID FLAGS RFC822.SIZE", "BODY[]"])
def test_every_kind_of_fetch(pair: tuple[Recording, Recording], command: str) -> None:
    one, two = pair
    two.store("2", "+FLAGS", "($Apricot)")
    one.fetch("2", f"({command})")
    assert b"$Apricot" in b"".join(one.fetch_lines())


def test_another_sessions_keyword_then_noop(pair: tuple[Recording, Recording]) -> None:
    one, two = pair
    two.store("1", "+FLAGS", "($Banana)")
    one.noop()
    assert b"$Banana" in b"".join(one.fetch_lines())


def test_another_sessions_keyword_while_idling(pair: tuple[Recording, Recording]) -> None:
    one, two = pair
    tag = one._new_tag()
    one.send(tag + b" IDLE\r\n")
    assert one.readline().startswith(b"+ ")
    two.store("1", "+FLAGS", "($Cherry)")
    while not _FETCH_FLAGS.match(one.readline()):
        pass
    one.send(b"DONE\r\n")
    while not one.readline().startswith(tag + b" OK"):
        pass
    assert b"$Cherry" in b"".join(one.fetch_lines())


def test_own_store(pair: tuple[Recording, Recording]) -> None:
    one, _ = pair
    one.store("1", "+FLAGS", "($Date)")
    one.store("2", "FLAGS", "(\\Seen $Damson)")
    assert b"$Damson" in b"".join(one.fetch_lines())


def test_minus_flags_creates_and_announces_the_keyword(
    server: HatoProcess, pair: tuple[Recording, Recording]
) -> None:
    """Dovecot's STORE creates every keyword it names (mailbox_keywords_create), even
    for -FLAGS, and each session is told of it in FLAGS and PERMANENTFLAGS."""
    one, two = pair
    one.store("1", "-FLAGS", "($Elder)")
    two.noop()
    for session in (one, two):
        flags = [line for line in session.heard if line.startswith(b"* FLAGS")]
        permanent = [line for line in session.heard if b"[PERMANENTFLAGS" in line]
        assert b"$Elder" in flags[-1] and b"$Elder" in permanent[-1], session.heard


def test_append_and_copy_into_the_selected_mailbox(pair: tuple[Recording, Recording]) -> None:
    one, two = pair
    elsewhere = one.mailbox + "-elsewhere"
    two.create(elsewhere)
    two.append(elsewhere, "($Grape)", None, MESSAGE)
    two.append(one.mailbox, "(\\Seen $Fig)", None, MESSAGE)
    two.select(elsewhere)
    two.copy("1", one.mailbox)
    one.noop()
    one.fetch("1:*", "(FLAGS)")
    fetched = b"".join(one.fetch_lines())
    assert b"$Fig" in fetched and b"$Grape" in fetched
    one.append(one.mailbox, "($Honey)", None, MESSAGE)
    one.fetch("1:*", "(FLAGS)")
    assert b"$Honey" in b"".join(one.fetch_lines())
