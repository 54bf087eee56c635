"""bench.raw_client._Raw: answers read to their ends however the server cuts its writes.

A real listening socket on loopback plays the server: it writes a scripted answer in
pieces (an end marker split across two writes, a literal across many), and the client
must give back exactly the bytes up to each end and keep what follows for the next read.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bench.raw_client import _Raw
from bench.target import Target


@pytest.fixture
def served() -> Iterator[tuple[Target, list[bytes]]]:
    """A loopback server that, once the client connects, writes each piece appended to
    the list with a pause between (so each arrives on its own), then waits for the
    client to close; its Target names it as the "imap" service."""
    listener = socket.create_server(("127.0.0.1", 0))
    pieces: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            for piece in pieces:
                connection.sendall(piece)
                time.sleep(0.005)
            connection.recv(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield Target("scripted", {"imap": listener.getsockname()[1]}, list), pieces
    thread.join(10)
    listener.close()


def _client(served: tuple[Target, list[bytes]], *pieces: bytes) -> _Raw:
    """A client of the scripted server, which will write ``pieces``."""
    target, script = served
    script.extend(pieces)
    client = _Raw(target, "imap")
    client.sock.settimeout(5)  # an end missed would wait for bytes that never come
    return client


def test_until_finds_an_end_split_across_writes(served: tuple[Target, list[bytes]]) -> None:
    client = _client(served, b"+OK 5 octets\r\nhello\r", b"\n.", b"\r\n+OK next\r\n")
    assert client.until(b"\r\n.\r\n") == b"+OK 5 octets\r\nhello\r\n.\r\n"
    assert client.line() == b"+OK next"
    client.close()


def test_take_gathers_a_literal_from_many_writes(served: tuple[Target, list[bytes]]) -> None:
    body = bytes(range(256)) * 40  # 10,240 bytes, CRLFs and all inside
    pieces = [b"* 1 FETCH (BODY[] {10240}\r\n"]
    pieces += [body[at : at + 1000] for at in range(0, len(body), 1000)]
    pieces += [b")\r\np OK done\r\n"]
    client = _client(served, *pieces)
    assert client.line() == b"* 1 FETCH (BODY[] {10240}"
    assert client.take(len(body)) == body
    assert client.line() == b")"
    assert client.line() == b"p OK done"
    client.close()


def test_a_closed_connection_is_an_error(served: tuple[Target, list[bytes]]) -> None:
    client = _client(served, b"* OK half a line")
    client.sock.shutdown(socket.SHUT_WR)  # the server's recv returns: it closes
    with pytest.raises(RuntimeError, match="closed the connection"):
        client.line()
    client.close()
