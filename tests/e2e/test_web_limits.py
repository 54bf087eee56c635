"""The web console's listener keeps ``connections_per_address`` as the mail listeners do
(the limits invariant of docs/architecture.md): a real ``hato serve``, raw sockets."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess

LIMIT = 3


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HatoProcess]:
    extra = f"\n[limits]\nconnections_per_address = {LIMIT}\n"
    process = HatoProcess(tmp_path / "data", services=("http", "imap"), extra_config=extra)
    process.start()
    yield process
    assert process.stop() == 0


def _get(sock: socket.socket, path: str = "/login") -> bytes:
    """One keep-alive request's status line."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    return sock.recv(65536).split(b"\r\n", 1)[0]


def _admitted_again(port: int) -> bool:
    """Whether a new connection is served once the server has seen one of ours close
    (a few tries: the close reaches it a moment after ours)."""
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                if _get(sock) == b"HTTP/1.1 200 OK":
                    return True
        except OSError:  # refused while we sent
            pass
        time.sleep(0.05)
    return False


def test_a_client_over_its_connections_is_refused_until_one_closes(server: HatoProcess) -> None:
    port = server.ports["http"]
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(LIMIT)]
    try:
        assert all(_get(sock) == b"HTTP/1.1 200 OK" for sock in held)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as over:
            answer = over.recv(65536)
            assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            assert over.recv(1) == b""  # and closed
        assert _get(held[0]) == b"HTTP/1.1 200 OK"  # the others go on
        held.pop().close()
        assert _admitted_again(port)
    finally:
        for sock in held:
            sock.close()
