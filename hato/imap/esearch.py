"""ESEARCH responses (RFC 4731), ESORT (RFC 5267 §3): not implemented yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.reply import Reply, bad
from hato.proto.imap import Sort

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["answer_esort"]


async def answer_esort(session: ImapSession, cmd: Sort) -> Reply:
    """SORT RETURN (...) (RFC 5267 §3): the ESEARCH answer of a sorted result."""
    raise bad("Unknown argument RETURN")
