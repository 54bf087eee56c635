"""From a parsed message (hato.mime) to what the store keeps about it."""

from __future__ import annotations

from hato.mime import attachment_parts, indexed_text, parse_message, snippet
from hato.store.base import MessageMeta

__all__ = ["message_meta"]


def message_meta(content: bytes) -> MessageMeta:
    """Parse ``content`` once: its cached structure, its header columns, its snippet and
    attachment count, and its searchable text for the full-text index, stored as they are."""
    info = parse_message(content)
    return MessageMeta(
        structure_json=info.to_json(),
        columns=info.columns,
        snippet=snippet(content, info),
        attachments=len(attachment_parts(info)),
        text=indexed_text(content, info),
    )
