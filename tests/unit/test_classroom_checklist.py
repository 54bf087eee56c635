"""The lab checklist's rules and the hints, on transcripts as the sessions trace them."""

from __future__ import annotations

import pytest

from hato.classroom.checklist import Conversation, Exchange, done_steps, load_steps, parse_steps
from hato.classroom.hints import hint_for, load_hints

STEPS = load_steps()
HINTS = load_hints()


def exchanges(protocol: str, transcript: str) -> list[Exchange]:
    conversation = Conversation(protocol)
    found = []
    for line in transcript.strip().splitlines():
        direction, _, text = line.strip().partition(": ")
        exchange = conversation.feed(direction, text)
        if exchange is not None:
            found.append(exchange)
    return found


def done(protocol: str, transcript: str, tls: bool = False) -> set[str]:
    return done_steps(STEPS, protocol, tls, exchanges(protocol, transcript))


def test_the_shipped_steps_cover_the_lecture() -> None:
    labels = {(step.protocol, step.label) for step in STEPS}
    assert ("pop3", "USER/PASS") in labels and ("imap", "STARTTLS/IMAPS") in labels
    assert len({step.id for step in STEPS}) == len(STEPS) == 23


def test_a_wrong_password_does_not_tick_user_pass() -> None:
    assert done("pop3", "C: USER alice\nS: +OK\nC: PASS [REDACTED]\nS: -ERR [AUTH] no") == set()


def test_pop3_steps_tick_on_positive_answers_only() -> None:
    transcript = """
        C: USER alice
        S: +OK
        C: PASS [REDACTED]
        S: +OK logged in
        C: STAT
        S: +OK 2 320
        C: RETR 9
        S: -ERR no such message
        C: LIST
        S: +OK 2 messages
        S: 1 120
        S: .
        C: QUIT
        S: +OK bye
    """
    assert done("pop3", transcript) == {"pop3-login", "pop3-stat", "pop3-list", "pop3-quit"}


def test_pop3s_counts_for_the_tls_step() -> None:
    assert done("pop3", "", tls=True) == {"pop3-tls"}
    assert done("pop3", "C: STLS\nS: +OK begin TLS") == {"pop3-tls"}


def test_imap_tagged_answers_complete_their_commands() -> None:
    transcript = """
        S: * OK hato ready
        C: a1 LOGIN alice [REDACTED]
        S: a1 OK LOGIN completed
        C: a2 SELECT Nowhere
        S: a2 NO no such mailbox
        C: a3 select INBOX
        S: * 3 EXISTS
        S: a3 OK [READ-WRITE] SELECT completed
        C: a4 UID FETCH 1 BODY[]
        S: * 1 FETCH (UID 1 BODY[] {12}
        S: a4 OK done
    """
    assert done("imap", transcript) == {"imap-login", "imap-select", "imap-fetch"}


def test_smtp_by_hand_needs_the_answer_after_the_message() -> None:
    transcript = """
        S: 220 hato ESMTP
        C: EHLO pc
        S: 250-hato
        S: 250 8BITMIME
        C: MAIL FROM:<s@example.com>
        S: 250 OK
        C: RCPT TO:<alice@example.com>
        S: 250 OK
        C: DATA
        S: 354 End data with <CR><LF>.<CR><LF>
        C: <message, 120 octets>
    """
    assert done("smtp", transcript) == set()
    assert done("smtp", transcript + "\nS: 250 OK queued") == {"smtp-by-hand"}
    assert done("smtp", transcript + "\nS: 554 rejected") == set()


@pytest.mark.parametrize(
    ("protocol", "transcript", "language", "expected"),
    [
        ("pop3", "C: RETR 1\nS: -ERR log in first", "en", "Log in first: USER name"),
        ("pop3", "C: RTER 1\nS: -ERR unknown command", "en", "Unknown command"),
        ("pop3", "C: PASS [REDACTED]\nS: -ERR [AUTH] no", "ja", "パスワードが違います"),
        ("imap", "C: LOGIN alice secret\nS: LOGIN BAD unknown command", "en", "with a tag"),
        ("imap", "C: a LOGIN a b\nS: a OK\nC: b CLOSE\nS: b BAD no", "en", "refused"),
        ("imap", "C: a1 SELECT INBOX\nS: a1 NO log in first", "ja", "先にログイン"),
        ("smtp", "C: MAIL FROM:<a@b>\nS: 503 EHLO first", "en", "EHLO your-host-name"),
        ("smtp", "C: HELO pc\nS: 250 hi\nC: DATA\nS: 503 no", "en", "MAIL FROM:"),
        (
            "smtp",
            "C: HELO pc\nS: 250 hi\nC: MAIL FROM:<a@b>\nS: 250 OK\nC: DATA\nS: 503 no",
            "en",
            "RCPT TO:",
        ),
    ],
)
def test_hints_explain_refused_commands(
    protocol: str, transcript: str, language: str, expected: str
) -> None:
    last = exchanges(protocol, transcript)[-1]
    hint = hint_for(HINTS, protocol, last, language)
    assert hint is not None and expected in hint


def test_no_hint_for_a_positive_answer() -> None:
    (ok,) = exchanges("pop3", "C: NOOP\nS: +OK")
    assert hint_for(HINTS, "pop3", ok) is None


def test_a_step_without_an_id_is_named() -> None:
    with pytest.raises(ValueError, match="step 1: no id"):
        parse_steps('[[step]]\nprotocol = "pop3"\nlabel = "x"\n')


def test_a_flood_of_unanswered_imap_commands_stays_bounded() -> None:
    conversation = Conversation("imap")
    for number in range(10_000):
        conversation.feed("C", f"t{number} NOOP")
    assert len(conversation._pending) <= 64
