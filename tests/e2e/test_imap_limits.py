"""Hostile input over a real socket against `hato serve`: a LIST pattern
that made the regex backtrack for seconds, and commands past their limits, are
answered at once, and the session (and every other) goes on."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator

import pytest

from hato.imap.patterns import MAX_PATTERNS
from hato.proto.imap._search import MAX_SEARCH_KEYS
from hato.proto.sasl import MAX_RESPONSE
from tests.e2e.harness import HatoProcess, raw_imap_session, tagged_answer

LONG_NAME = "a" * 100


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path_factory.mktemp("limits") / "data", services=("imap",))
    process.add_user("alice", "alice-pw")
    process.start()
    client = imaplib.IMAP4("127.0.0.1", process.ports["imap"], timeout=10)
    client.login("alice", "alice-pw")
    assert client.create(LONG_NAME)[0] == "OK"
    client.logout()
    yield process
    assert process.stop() == 0


@pytest.mark.timeout(30)
def test_backtracking_patterns_are_answered_at_once(server: HatoProcess) -> None:
    """Six stars against a 100-character name took 13.5 s; nine would take days."""
    lines = raw_imap_session(
        server.ports["imap"],
        "alice alice-pw",
        'l1 LIST "" "*a*a*a*a*a*a*a*a*ab"',
        'l2 LIST "" "*a*a*a*a*a*a*a*a*a"',
        'l3 LSUB "" "*a*a*a*a*a*a*a*a*ab"',
    )
    assert tagged_answer(lines, "l1") == b"l1 OK List completed."
    assert f'* LIST (\\HasNoChildren) "." "{LONG_NAME}"'.encode() in lines
    assert lines.count(f'* LIST (\\HasNoChildren) "." "{LONG_NAME}"'.encode()) == 1
    assert tagged_answer(lines, "l3") == b"l3 OK Lsub completed."


def test_limits_are_bad_and_the_session_goes_on(server: HatoProcess) -> None:
    keys = " ".join(["ALL"] * (MAX_SEARCH_KEYS + 1))
    lines = raw_imap_session(
        server.ports["imap"],
        "alice alice-pw",
        f'p LIST "" "{"a" * (MAX_PATTERNS + 1)}"',
        "s SELECT INBOX",
        f"k SEARCH {keys}",
        "n NOOP",
    )
    assert tagged_answer(lines, "p").startswith(b"p BAD ")
    assert b"patterns too long" in tagged_answer(lines, "p")
    assert tagged_answer(lines, "k") == b"k BAD Error in IMAP command SEARCH: Too many search keys."
    assert tagged_answer(lines, "n") == b"n OK NOOP completed."


def test_an_oversized_sasl_response_is_a_failed_login(server: HatoProcess) -> None:
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    payload = b"\0alice\0" + b"p" * MAX_RESPONSE
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.authenticate("PLAIN", lambda _challenge: payload)
    assert client.noop()[0] == "OK"
    client.authenticate("PLAIN", lambda _challenge: b"\0alice\0alice-pw")
    assert client.state == "AUTH"
    client.logout()
