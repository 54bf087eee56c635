"""SQL for content-addressed message bodies (SQLite)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from hato.store.base import MessageMeta

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
    c = meta.columns
    conn.execute(
        "INSERT INTO blob_meta (blob_id, structure, subject, base_subject, from_addr, "
        "to_addr, cc_addr, sort_subject, sort_from, sort_to, sort_cc, sort_display_from, "
        "sort_display_to, sent_date, message_id, in_reply_to, refs) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            blob_id,
            meta.structure_json,
            c.subject,
            c.base_subject,
            c.from_,
            c.to,
            c.cc,
            c.sort_subject,
            c.sort_from,
            c.sort_to,
            c.sort_cc,
            c.sort_display_from,
            c.sort_display_to,
            c.sent_date,
            c.message_id,
            c.in_reply_to,
            c.references,
        ),
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
