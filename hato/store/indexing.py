"""Indexing the bodies the full-text index lacks, a batch at a time.

A body waits for the index when it was stored without its searchable text: by
``hato serve``'s deliveries (SMTP, LMTP, submission parse a message without its text,
and the server's indexer, ``hato.server.indexer``, catches up after the ``250``), by
mail stored before the index existed, or while ``[search] index = false``. Until then
SEARCH BODY and TEXT read such a message as they would without an index: the same
answers, more slowly.

``index_backlog`` is the one way such bodies are indexed, for the server's indexer and
for ``hato index rebuild`` alike: each batch (at most ``BATCH`` bodies and
``hato.store.sql.text.BATCH_OCTETS`` of content) is parsed in a worker thread and
written in one short transaction, so that the event loop and the store's other
writers go on between batches, memory is bounded by the batch, and a run stopped at
any point goes on where it stopped. For mail stored before the index, parsing again
recomputes the body's header columns too (their case-mapped sort keys follow the
current mapping): that is what a rebuild must fix; mail stored without its text
since has its columns as they are, and only its text is worked out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from hato.mime import IndexedText, indexed_text, parse_message
from hato.store.base import MessageMeta, Store
from hato.store.meta import message_meta

__all__ = ["BATCH", "index_backlog"]

#: Bodies asked for at once (fewer when they are large: ``BATCH_OCTETS``).
BATCH = 256


def _parsed(bodies: list[tuple[int, bytes, bool]]) -> list[tuple[int, MessageMeta | IndexedText]]:
    return [
        (blob_id, message_meta(content) if columns_too else _text(content))
        for blob_id, content, columns_too in bodies
    ]


def _text(content: bytes) -> IndexedText:
    return indexed_text(content, parse_message(content))


async def index_backlog(
    store: Store,
    account: int | None = None,
    advance: Callable[[int], object] = lambda done: None,
    between: Callable[[], Awaitable[object]] | None = None,
    batch: int = BATCH,
) -> int:
    """Index every body the index lacks (of ``account``'s mail, if given), bodies
    stored meanwhile included; return how many. ``advance`` is told the count of each
    batch done; ``between`` is awaited before each batch after the first (the server's
    indexer waits there while deliveries are busy); ``batch``: bodies at most a batch."""
    done = after = 0
    while bodies := await store.unindexed_bodies(after, batch, account):
        await store.index_bodies(await asyncio.to_thread(_parsed, bodies))
        after = bodies[-1][0]
        done += len(bodies)
        advance(len(bodies))
        if between is not None:
            await between()
    return done
