"""COMPRESS (RFC 4978): the rest of the connection in raw DEFLATE, both ways.

The transform itself is the connection's (``Transport.start_deflate``, done in
hato.server.listener over hato.session.deflate); this handler only decides
whether to turn it on, and does so right after the tagged OK is written
(RFC 4978 §3: the server compresses from just after that line's CRLF).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.reply import Reply, bad, no
from hato.proto import imap as c

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []

#: The only algorithm RFC 4978 §3 defines.
DEFLATE = "DEFLATE"


async def compress(session: ImapSession, cmd: c.Compress) -> Reply:
    """RFC 4978 §3: BAD for an unknown algorithm; NO [COMPRESSIONACTIVE] when the
    connection is compressed already (Python's TLS never compresses, so only an
    earlier COMPRESS can have done it)."""
    if cmd.mechanism != DEFLATE:
        raise bad(f"Unknown compression algorithm: {cmd.mechanism[:40]}")
    if session.transport.compressed:
        raise no("DEFLATE compression is already active.", "COMPRESSIONACTIVE")

    async def begin() -> None:
        # The client must wait for this OK (RFC 4978 §3); whatever it sent anyway
        # is the start of its compressed stream, not commands to read as text.
        session.transport.start_deflate(session.reader.take_unread())

    return Reply("DEFLATE active.", then=begin)
