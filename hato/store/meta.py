"""From a parsed message (hato.mime) to what the store keeps about it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from hato.mime import attachment_parts, indexed_text, parse_message, snippet
from hato.store.base import Mailstore, MessageMeta

__all__ = ["message_meta", "work_out_listing"]


def message_meta(content: bytes, *, index: bool = True) -> MessageMeta:
    """Parse ``content`` once: its cached structure, its header columns, its snippet and
    attachment count, and its searchable text for the full-text index, stored as they are.
    Without ``index`` the text is not extracted at all: the store marks the body as
    waiting for its text, which the server's indexer adds after the ``250``
    (hato.server.indexer), or ``hato index rebuild`` when ``[search] index = false``."""
    info = parse_message(content)
    return MessageMeta(
        structure_json=info.to_json(),
        columns=info.columns,
        snippet=snippet(content, info),
        attachments=len(attachment_parts(info)),
        text=indexed_text(content, info) if index else None,
        sha256=hashlib.sha256(content).digest(),
    )


async def work_out_listing(
    mailstore: Mailstore, mailbox_id: int, uids: Sequence[int], page: int
) -> dict[int, tuple[str, int]]:
    """uid -> (snippet, attachments) of bodies stored before delivery kept them, worked
    out from the messages (``page`` bodies in memory at a time) and kept, so that each is
    worked out once (``Mailstore.keep_listing``)."""
    worked: dict[int, tuple[str, int]] = {}
    for at in range(0, len(uids), page):
        for uid, raw in (await mailstore.read_messages(mailbox_id, uids[at : at + page])).items():
            info = parse_message(raw)
            worked[uid] = (snippet(raw, info), len(attachment_parts(info)))
    if worked:
        await mailstore.keep_listing(mailbox_id, [(uid, s, n) for uid, (s, n) in worked.items()])
    return worked
