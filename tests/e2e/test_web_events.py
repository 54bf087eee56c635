"""The mail view's live updates (/mail/events, server-sent events) over raw sockets.

A stream tells of new mail as soon as it is delivered; clients that never read their
stream hold up neither delivery nor anyone else's stream; an account's streams are
limited.
"""

from __future__ import annotations

import json
import smtplib
import socket
import time
from collections.abc import Iterator

import pytest

from hato.web.events import STREAMS_PER_ACCOUNT
from tests.e2e.harness import HatoProcess
from tests.e2e.web import Web

PASSWORD = "bob-pw"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path_factory.mktemp("events") / "data", services=("smtp", "http"))
    process.add_user("bob", PASSWORD)
    process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture(scope="module")
def cookie(server: HatoProcess) -> str:
    """The session cookie of bob, logged in through the login form."""
    web = Web(server.ports["http"])
    web.login("bob", PASSWORD)
    assert web.cookie is not None
    return web.cookie


class Stream:
    """One GET /mail/events on a socket of its own, read (or not) by the test."""

    def __init__(self, server: HatoProcess, cookie: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.ports["http"]), timeout=10)
        request = f"GET /mail/events HTTP/1.1\r\nHost: test\r\nCookie: {cookie}\r\n\r\n"
        self.sock.sendall(request.encode())
        self.file = self.sock.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        while self.file.readline() not in (b"\r\n", b""):
            pass  # the header fields

    def next_event(self) -> tuple[str, object]:
        """The next event's name and JSON data (chunked transfer coding is read around)."""
        name, data = "", ""
        while True:
            line = self.file.readline().decode().rstrip("\r\n")
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data += line[len("data: ") :]
            elif line == "" and name:
                return name, json.loads(data)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def open_stream(server: HatoProcess, cookie: str) -> Stream:
    """A stream, once the account has a place for it: a client that closed its connection
    frees its place within a second (hato.web.events.LOOK_AGAIN), not at once."""
    deadline = time.monotonic() + 10
    while True:
        stream = Stream(server, cookie)
        if stream.status != 429 or time.monotonic() > deadline:
            return stream
        stream.close()
        time.sleep(0.1)


def inbox(event: tuple[str, object]) -> dict[str, int]:
    name, boxes = event
    assert name == "mailboxes"
    assert isinstance(boxes, list)
    return next(box for box in boxes if box["name"] == "INBOX")


def deliver(server: HatoProcess, subject: str) -> None:
    message = f"From: a@remote.example\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\r\nhi\r\n"
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("a@remote.example", ["bob@example.org"], message)


def test_a_stream_tells_of_each_delivery(server: HatoProcess, cookie: str) -> None:
    stream = Stream(server, cookie)
    try:
        assert stream.status == 200
        before = inbox(stream.next_event())
        deliver(server, "one")
        after = inbox(stream.next_event())
        assert after["messages"] == before["messages"] + 1
        assert after["unseen"] == before["unseen"] + 1
        assert after["uidnext"] > before["uidnext"]
    finally:
        stream.close()


def test_streams_that_are_never_read_hold_up_nobody(server: HatoProcess, cookie: str) -> None:
    stuck = [open_stream(server, cookie) for _ in range(STREAMS_PER_ACCOUNT - 1)]
    reader = open_stream(server, cookie)
    try:
        assert [s.status for s in [*stuck, reader]] == [200] * STREAMS_PER_ACCOUNT
        refused = Stream(server, cookie)
        assert refused.status == 429  # one account, a bounded number of streams
        refused.close()
        first = inbox(reader.next_event())
        for number in range(20):
            deliver(server, f"burst {number}")
        seen = first["messages"]
        while seen < first["messages"] + 20:  # bursts are coalesced, never lost
            seen = inbox(reader.next_event())["messages"]
        assert seen == first["messages"] + 20
    finally:
        for stream in [*stuck, reader]:
            stream.close()
