"""imaplib with COMPRESS=DEFLATE (RFC 4978), which the standard library lacks.

``DeflateIMAP4`` and ``DeflateIMAP4_SSL`` read and write the socket themselves, so that
they can count the bytes on the wire (after TLS is taken off, before inflation) and,
after ``compress()``, run both directions through raw DEFLATE: zlib with wbits -15,
each command sync-flushed so the server can act on it at once.
"""

from __future__ import annotations

import imaplib
import zlib
from typing import Any

RAW_DEFLATE = -15
# imaplib refuses commands it has no entry for; COMPRESS's states (RFC 4978 §5), with
# NONAUTH so that a test can see the server refuse it there.
imaplib.Commands.setdefault("COMPRESS", ("NONAUTH", "AUTH", "SELECTED"))


class _Deflating:
    """Mixed into an ``imaplib.IMAP4`` class: its ``send``/``read``/``readline``."""

    sock: Any

    def _setup_wire(self) -> None:
        self.wire_in = 0  # bytes received from the socket
        self.wire_out = 0
        self.plain_in = 0  # the same, inflated
        self._pending = b""
        self._compressor: Any = None
        self._decompressor: Any = None

    def compress(self) -> tuple[str, list[Any]]:
        """COMPRESS DEFLATE; on OK, everything after the tagged line is compressed."""
        answer: tuple[str, list[Any]] = self._simple_command("COMPRESS", "DEFLATE")  # type: ignore[attr-defined]
        if answer[0] == "OK":
            assert not self._pending, "the server sent more after COMPRESS's OK"
            self._compressor = zlib.compressobj(6, zlib.DEFLATED, RAW_DEFLATE)
            self._decompressor = zlib.decompressobj(RAW_DEFLATE)
        return answer

    def send_raw(self, data: bytes) -> None:
        """Bytes to the socket exactly as given (for garbage and bombs)."""
        self.wire_out += len(data)
        self.sock.sendall(data)

    def deflate(self, data: bytes) -> bytes:
        """``data`` as the next piece of this client's stream, sync-flushed."""
        return bytes(self._compressor.compress(data) + self._compressor.flush(zlib.Z_SYNC_FLUSH))

    def send(self, data: bytes) -> None:
        self.send_raw(self.deflate(data) if self._compressor is not None else data)

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise imaplib.IMAP4.abort("socket closed")
        self.wire_in += len(chunk)
        if self._decompressor is not None:
            chunk = self._decompressor.decompress(chunk)
        self.plain_in += len(chunk)
        self._pending += chunk

    def read(self, size: int) -> bytes:
        while len(self._pending) < size:
            self._fill()
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def readline(self) -> bytes:
        while b"\n" not in self._pending:
            self._fill()
        end = self._pending.index(b"\n") + 1
        line, self._pending = self._pending[:end], self._pending[end:]
        return line


class DeflateIMAP4(_Deflating, imaplib.IMAP4):
    def __init__(self, host: str, port: int, timeout: float = 10) -> None:
        self._setup_wire()
        super().__init__(host, port, timeout=timeout)


class DeflateIMAP4_SSL(_Deflating, imaplib.IMAP4_SSL):
    def __init__(self, host: str, port: int, **options: Any) -> None:
        self._setup_wire()
        super().__init__(host, port, **options)
