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
from collections.abc import Iterable, Sequence

from hato.store.base import MessageMeta
from hato.store.sql.columns import META_COLUMNS, meta_values
from hato.store.sql.text import insert_texts
from hato.store.sql.tx import StillReferenced, Tx
from hato.store.sql.values import insert_values

__all__ = ["collect_garbage", "count_blobs", "put_blob", "put_blobs"]


async def put_blob(tx: Tx, content: bytes, meta: MessageMeta) -> int:
    """Store ``content`` once, with its parsed metadata and searchable text (the
    full-text index follows); return its id, reusing an identical stored body."""
    return (await put_blobs(tx, [(content, meta)]))[0]


async def put_blobs(tx: Tx, bodies: Sequence[tuple[bytes, MessageMeta]]) -> list[int]:
    """``put_blob`` for many bodies at once: their ids, in the order given.

    The new bodies go in by as few statements as the parameter limit allows
    (``insert_values``), each returning the id and digest of the rows it added (a
    body stored already, or twice in ``bodies``, adds none); the others are looked
    up, held for share. A body found stored at the insert but gone at the look-up
    (its last message expunged meanwhile, on another node) is inserted again.
    """
    digests = [meta.sha256 or hashlib.sha256(content).digest() for content, meta in bodies]
    wanted = dict(zip(digests, bodies, strict=True))
    ids: dict[bytes, int] = {}
    while len(ids) < len(wanted):
        missing = {digest: body for digest, body in wanted.items() if digest not in ids}
        added = await _insert_new(tx, missing)
        ids.update(added)
        ids.update(await _stored(tx, [digest for digest in missing if digest not in added]))
    return [ids[digest] for digest in digests]


async def _insert_new(tx: Tx, bodies: dict[bytes, tuple[bytes, MessageMeta]]) -> dict[bytes, int]:
    """digest -> id of each body this inserted, with its metadata and text rows."""
    rows = await insert_values(
        tx,
        "INSERT INTO blobs (sha256, size, data)",
        # in digest order: two nodes' batches sharing bodies take them in one order
        [(digest, len(content), content) for digest, (content, _) in sorted(bodies.items())],
        "ON CONFLICT (sha256) DO NOTHING RETURNING id, sha256",
    )
    added = {bytes(digest): int(blob_id) for blob_id, digest in rows}
    metas = [(added[digest], meta) for digest, (_, meta) in bodies.items() if digest in added]
    await insert_values(
        tx,
        f"INSERT INTO blob_meta (blob_id, {META_COLUMNS})",
        [(blob_id, *meta_values(meta)) for blob_id, meta in metas],
    )
    await insert_texts(tx, [(blob_id, meta.text) for blob_id, meta in metas])
    return added


async def _stored(tx: Tx, digests: list[bytes]) -> dict[bytes, int]:
    """digest -> id of those of ``digests`` stored, held against deletion until commit."""
    found: dict[bytes, int] = {}
    for condition, params in tx.dialect.members("sha256", digests, "bytea"):
        rows = await tx.all(
            f"SELECT sha256, id FROM blobs WHERE {condition}{tx.dialect.for_share}", params
        )
        found.update((bytes(digest), int(blob_id)) for digest, blob_id in rows)
    return found


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
