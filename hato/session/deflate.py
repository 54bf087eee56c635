"""The two DEFLATE streams of a compressed connection (RFC 4978 §3, §4; RFC 1951).

Theory of operation.  After COMPRESS DEFLATE's tagged OK, everything each side
sends is one raw DEFLATE stream (RFC 1951: no zlib or gzip wrapper, so zlib's
``wbits`` is -15).  Outgoing, the connection compresses what it writes and ends
each write with a sync flush (``Z_SYNC_FLUSH``), so a response can be inflated
as soon as it arrives and an interactive session never waits on a half-filled
block (RFC 4978 §4: zlib's deflate() with a flush is all the sender needs).

Incoming, a few kilobytes may inflate to gigabytes (a "zip bomb"): ``inflate``
gives back at most ``max_output`` octets per call and keeps the rest of its
input in zlib's unconsumed tail, which the caller drains (``backlog``) before it
reads the socket again.  So the session's line and literal limits see inflated
bytes one bounded chunk at a time, exactly as they see uncompressed ones, and
the memory held is one input chunk and one output chunk, whatever the ratio.
"""

from __future__ import annotations

import zlib

__all__ = ["CompressionError", "DeflateStreams"]

#: Raw DEFLATE, no zlib header or checksum (RFC 4978 §3 names RFC 1951's format).
RAW_DEFLATE = -zlib.MAX_WBITS
#: Dovecot's default level (imap_compress_deflate_level); speed and ratio balanced.
LEVEL = 6
#: Inflated octets handed on per call: one read's worth, as without compression.
MAX_OUTPUT = 64 * 1024


class CompressionError(Exception):
    """The client's stream does not inflate, or it ended: the session cannot go on."""


class DeflateStreams:
    """One connection's compressor (to the client) and decompressor (from it)."""

    def __init__(self, level: int = LEVEL, max_output: int = MAX_OUTPUT) -> None:
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, RAW_DEFLATE)
        self._decompressor = zlib.decompressobj(RAW_DEFLATE)
        self._max_output = max_output

    def compress(self, data: bytes | memoryview) -> bytes:
        """``data`` into the outgoing stream; what zlib has ready to send (maybe nothing)."""
        return self._compressor.compress(data)

    def flush(self) -> bytes:
        """The rest of the outgoing stream so far, ending on a byte boundary: the client
        can inflate everything sent up to here (``Z_SYNC_FLUSH``)."""
        return self._compressor.flush(zlib.Z_SYNC_FLUSH)

    @property
    def backlog(self) -> bool:
        """Input already received that has not yet been inflated (the output was capped)."""
        return bool(self._decompressor.unconsumed_tail)

    def inflate(self, data: bytes) -> bytes:
        """At most ``max_output`` octets inflated from the backlog and then ``data``.

        Raises CompressionError when the bytes are not DEFLATE or the client ended
        its stream (RFC 4978 has compression last for the rest of the connection).
        """
        if self._decompressor.eof:
            raise CompressionError("the client ended its compressed stream")
        pending = self._decompressor.unconsumed_tail + data
        try:
            return self._decompressor.decompress(pending, self._max_output)
        except zlib.error as exc:
            raise CompressionError(f"compressed stream does not inflate: {exc}") from exc
