"""Content-addressed message bodies: stored once, however many mailboxes hold them.

Concurrent deliveries of one body (on several PostgreSQL nodes) meet on the
UNIQUE sha256: ``ON CONFLICT DO NOTHING`` lets exactly one insert it, and the
row found by the others is held for share, so that an expunge elsewhere cannot
delete it before this transaction refers to it. Garbage collection runs in a
savepoint: if a body gained a new reference meanwhile, the foreign key refuses
the delete, and the body stays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from hato.store.base import MessageMeta
from hato.store.sql.columns import META_COLUMNS, meta_values
from hato.store.sql.text import insert_text
from hato.store.sql.tx import StillReferenced, Tx

__all__ = ["collect_garbage", "count_blobs", "put_blob"]


async def put_blob(tx: Tx, content: bytes, meta: MessageMeta) -> int:
    """Store ``content`` once, with its parsed metadata and searchable text (the
    full-text index follows); return its id, reusing an identical stored body."""
    digest = hashlib.sha256(content).digest()
    while True:
        row = await tx.one(
            "INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?) "
            "ON CONFLICT (sha256) DO NOTHING RETURNING id",
            (digest, len(content), content),
        )
        if row:
            await _insert_meta(tx, int(row[0]), meta)
            await insert_text(tx, int(row[0]), meta.text)
            return int(row[0])
        row = await tx.one(
            f"SELECT id FROM blobs WHERE sha256 = ?{tx.dialect.for_share}", (digest,)
        )
        if row:
            return int(row[0])


async def _insert_meta(tx: Tx, blob_id: int, meta: MessageMeta) -> None:
    values = meta_values(meta)
    marks = ", ".join("?" * (len(values) + 1))
    await tx.run(
        f"INSERT INTO blob_meta (blob_id, {META_COLUMNS}) VALUES ({marks})", (blob_id, *values)
    )


async def collect_garbage(tx: Tx, blob_ids: Iterable[int]) -> None:
    """Delete the given blobs that no message refers to any more."""
    ids = sorted(set(blob_ids))
    if not ids:
        return
    await tx.run("SAVEPOINT collect")
    try:
        for condition, params in tx.dialect.members("id", ids):
            await tx.run(
                f"DELETE FROM blobs WHERE {condition} "
                "AND NOT EXISTS (SELECT 1 FROM messages WHERE blob_id = blobs.id)",
                params,
            )
    except StillReferenced:
        await tx.run("ROLLBACK TO SAVEPOINT collect")  # referenced again meanwhile: keep
    await tx.run("RELEASE SAVEPOINT collect")


async def count_blobs(tx: Tx) -> int:
    row = await tx.one("SELECT COUNT(*) FROM blobs")
    return int(row[0]) if row else 0
