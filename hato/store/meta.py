"""From a parsed message (hato.mime) to what the store keeps about it."""

from __future__ import annotations

from hato.mime import parse_message
from hato.store.base import MessageMeta

__all__ = ["message_meta"]


def message_meta(content: bytes) -> MessageMeta:
    """Parse ``content`` once: its cached structure and its header columns, stored as they are."""
    info = parse_message(content)
    return MessageMeta(structure_json=info.to_json(), columns=info.columns)
