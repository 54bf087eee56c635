"""SQL for content-addressed message bodies (SQLite)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from hato.store.base import META_COLUMNS, MessageMeta, meta_row

_CHUNK = 500


def chunks(values: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    """Split a long id list so no statement exceeds SQLite's variable limit."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def put_blob(conn: sqlite3.Connection, content: bytes, meta: MessageMeta) -> int:
    """Store ``content`` once; return its id, reusing an identical stored body."""
    digest = hashlib.sha256(content).digest()
    row = conn.execute("SELECT id FROM blobs WHERE sha256 = ?", (digest,)).fetchone()
    if row:
        return int(row[0])
    blob_id = int(
        conn.execute(
            "INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?) RETURNING id",
            (digest, len(content), content),
        ).fetchone()[0]
    )
    values = meta_row(meta)
    marks = ", ".join("?" * (len(values) + 1))
    conn.execute(
        f"INSERT INTO blob_meta (blob_id, {META_COLUMNS}) VALUES ({marks})", (blob_id, *values)
    )
    return blob_id


def collect_garbage(conn: sqlite3.Connection, blob_ids: Iterable[int]) -> None:
    """Delete the given blobs that no message refers to any more."""
    for chunk in chunks(sorted(set(blob_ids))):
        marks = ",".join("?" * len(chunk))
        conn.execute(
            f"DELETE FROM blobs WHERE id IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM messages WHERE blob_id = blobs.id)",
            tuple(chunk),
        )


def count_blobs(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM blobs").fetchone()[0])
