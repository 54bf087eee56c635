"""The lecture's Dovecot 2.3.19 session, replayed against the core line for line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hato.proto.pop3 import Pop3Connection

from .pop3_harness import MESSAGE_1, FakeStore, Session, run

TRANSCRIPT = Path(__file__).parent / "data" / "dovecot-2.3.19-pop3-session.txt"
TIMESTAMP = "<1b60.1.6b0a0df5.hlfrb6ZS8A35repu6CndZQ==@vm>"
OPTIONS: dict[str, Any] = {
    "plaintext_allowed": True,
    "tls_available": True,
    "apop_timestamp": TIMESTAMP,
    "mechanisms": ("PLAIN", "LOGIN"),
}
# hato's CAPA adds these two lines before the final "." (RFC 6856, RFC 2449 §6.9).
EXTRA_CAPA = ["UTF8", "IMPLEMENTATION hato"]


def exchanges() -> list[tuple[str, list[str]]]:
    """(client line, expected server lines) in order; the greeting has client line ""."""
    pairs: list[tuple[str, list[str]]] = [("", [])]
    for line in TRANSCRIPT.read_text().splitlines():
        if line.startswith("C: "):
            pairs.append((line[3:], []))
        elif line.startswith("S: "):
            pairs[-1][1].append(line[3:])
    return pairs


def second_message() -> bytes:
    """Message 2 as stored: the RETR output of the transcript, un-dot-stuffed."""
    pairs = dict(exchanges())
    body = pairs["retr 2"][1:-1]
    return "".join(line.removeprefix(".") + "\r\n" for line in body).encode()


def store() -> FakeStore:
    return FakeStore(
        messages=[("000000016b0a0df3", MESSAGE_1), ("000000026b0a0df3", second_message())]
    )


def expected(client: str, lines: list[str]) -> str:
    if client == "CAPA":
        lines = lines[:-1] + EXTRA_CAPA + ["."]
    return "".join(line + "\r\n" for line in lines)


def test_sizes_match_the_transcript() -> None:
    assert len(MESSAGE_1) == 290
    assert len(second_message()) == 697


def test_greeting_carries_the_apop_timestamp() -> None:
    greeting = exchanges()[0][1]
    assert greeting == ["+OK Dovecot (Debian) ready. " + TIMESTAMP]
    assert Session(**OPTIONS).greeting == f"+OK hato ready. {TIMESTAMP}\r\n"


@pytest.mark.parametrize("index", range(1, len(exchanges())))
def test_every_reply_line_for_line(index: int) -> None:
    session = Session(store(), **OPTIONS)
    for client, _ in exchanges()[1:index]:
        session(client)
    client, lines = exchanges()[index]
    assert session(client) == expected(client, lines)


def whole_session() -> tuple[bytes, bytes]:
    pairs = exchanges()[1:]
    sent = "".join(client + "\r\n" for client, _ in pairs).encode()
    answer = "".join(expected(client, lines) for client, lines in pairs).encode()
    return sent, answer


def test_pipelined_in_one_piece() -> None:
    sent, answer = whole_session()
    data = store()
    assert run(Pop3Connection(**OPTIONS), sent, data) == answer
    assert data.committed == [("000000026b0a0df3",)]


def test_byte_by_byte() -> None:
    sent, answer = whole_session()
    conn, data = Pop3Connection(**OPTIONS), store()
    out = b"".join(run(conn, sent[i : i + 1], data) for i in range(len(sent)))
    assert out == answer
