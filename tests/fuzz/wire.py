"""The fuzzer's client end of one connection: bytes out, lines in, every wait bounded.

A server that stops answering is the bug the fuzzer looks for, so no read may
block for ever: each one raises ``Unanswered`` after ``timeout`` seconds. A
server that closes the connection is not an error here (the drivers decide
whether the protocol allowed it): reads then return None and writes are
dropped.
"""

from __future__ import annotations

import contextlib
import socket
import ssl

from tests.e2e.test_smtp import tls_client_context

__all__ = ["Unanswered", "Wire"]

_CHUNK = 65536


class Unanswered(AssertionError):
    """The server sent nothing within the timeout: a command was left unanswered."""


class Wire:
    """A socket with a receive buffer; ``sent`` and ``received`` keep the transcript."""

    def __init__(self, port: int, *, tls: bool, timeout: float) -> None:
        self.timeout = timeout
        self.sock: socket.socket = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            self.start_tls()
        self.buffer = bytearray()
        self.closed = False  # the server closed (or reset) the connection
        self.reset = False  # ... with a reset, which loses data in flight
        self.writable = True
        self.transcript: list[tuple[str, bytes]] = []

    def start_tls(self) -> None:
        """The TLS handshake (implicit TLS, or after a STARTTLS go-ahead)."""
        self.sock = tls_client_context().wrap_socket(self.sock)

    def send(self, data: bytes) -> None:
        if self.closed or not self.writable or not data:
            return
        self.transcript.append(("C", data))
        try:
            self.sock.sendall(data)
        except TimeoutError as error:
            raise Unanswered(f"the server stopped reading ({len(data)} bytes unsent)") from error
        except (ConnectionError, ssl.SSLError):
            self.writable = False  # what the server said before closing may still be read

    def line(self) -> bytes | None:
        """The next line, LF included; None once the server has closed the connection."""
        while (end := self.buffer.find(b"\n")) < 0:
            if not self._fill():
                return None
        line = bytes(self.buffer[: end + 1])
        del self.buffer[: end + 1]
        self.transcript.append(("S", line))
        return line

    def exactly(self, size: int) -> bytes | None:
        """``size`` octets (a literal in an answer); None if the connection closed first."""
        while len(self.buffer) < size:
            if not self._fill():
                return None
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        self.transcript.append(("S", data))
        return data

    def _fill(self) -> bool:
        if self.closed:
            return False
        try:
            chunk = self.sock.recv(_CHUNK)
        except TimeoutError as error:
            raise Unanswered(f"no answer within {self.timeout:g} s") from error
        except ConnectionResetError:
            # The server closed with our bytes unread (after too many bad commands, in
            # the middle of a long line): the kernel may drop what it had said.
            self.reset = True
            chunk = b""
        except (ConnectionError, ssl.SSLError, OSError):
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        self.buffer += chunk
        return True

    def hang_up(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        self.closed = True

    def tail(self, count: int = 12) -> str:
        """The last exchanges, for a failure message."""
        return "\n".join(f"{who}: {data[:300]!r}" for who, data in self.transcript[-count:])
