"""From a parsed message (hato.mime) to what the store keeps about it."""

from __future__ import annotations

from hato.mime import parse_message
from hato.store.base import HeaderColumns, MessageMeta

__all__ = ["message_meta"]


def message_meta(content: bytes) -> MessageMeta:
    """Parse ``content`` once: its cached structure and its header columns."""
    info = parse_message(content)
    c = info.columns
    columns = HeaderColumns(
        subject=c.subject,
        base_subject=c.base_subject,
        from_=c.from_,
        to=c.to,
        cc=c.cc,
        sort_subject=c.sort_subject,
        sort_from=c.sort_from,
        sort_to=c.sort_to,
        sort_cc=c.sort_cc,
        sort_display_from=c.sort_display_from,
        sort_display_to=c.sort_display_to,
        sent_date=c.date,
        message_id=c.message_id or "",
        in_reply_to=c.in_reply_to or "",
        references=" ".join(c.references),
    )
    return MessageMeta(structure_json=info.to_json(), columns=columns)
