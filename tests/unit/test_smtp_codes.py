from __future__ import annotations

import logging

import pytest

from hato.delivery.received import Arrival, trace_prefix
from hato.server.smtp import enhance
from hato.session.trace import Tracer


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("250 OK", "250 2.0.0 OK"),
        ("500 Error: bad syntax", "500 5.5.2 Error: bad syntax"),
        ("552 Error: Too much mail data", "552 5.3.4 Error: Too much mail data"),
        ("550 5.1.1 <x>: unknown", "550 5.1.1 <x>: unknown"),
        ("220 mail.test hato ESMTP", "220 mail.test hato ESMTP"),
        ("354 End data", "354 End data"),
        ("221 Bye", "221 2.0.0 Bye"),
        ("", ""),
    ],
)
def test_enhanced_codes_added_once(line: str, expected: str) -> None:
    assert enhance(line) == expected


def test_trace_prefix_cannot_be_broken_by_the_client() -> None:
    arrival = Arrival(
        helo="evil\r\nBcc: x", peer="127.0.0.1", protocol="ESMTP", hostname="mail.test",
        queue_id="ABC", sender="a b@x", when=0,
    )  # fmt: skip
    prefix = trace_prefix(arrival, "alice@example.org").decode()
    lines = prefix.split("\r\n")
    assert lines[0] == "Return-Path: <ab@x>"
    assert lines[2] == "Received: from evilBcc:x ([127.0.0.1])"
    assert lines[3] == "\tby mail.test (hato) with ESMTP id ABC"
    assert lines[4] == "\tfor <alice@example.org>; Thu, 01 Jan 1970 00:00:00 +0000"
    assert prefix.endswith("\r\n") and "\n\r\n" not in prefix.replace("\r\n", "")


def test_tracer_escapes_control_characters(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "hato.trace")
    session = Tracer().session("pop3", "127.0.0.1")
    session.client(b"USER a\x00b\r\n")
    session.server("+OK\r\n-ERR two")
    assert [r.getMessage() for r in caplog.records if r.name == "hato.trace"] == [
        "pop3#1 *: connection from 127.0.0.1",
        "pop3#1 C: USER a\\x00b",
        "pop3#1 S: +OK",
        "pop3#1 S: -ERR two",
    ]
