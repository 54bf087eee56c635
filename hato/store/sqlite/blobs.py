"""Bodies for the SQLite-only modules not yet written once (see hato/store/sql/blobs.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from hato.store.base import MessageMeta
from hato.store.sql import blobs
from hato.store.sql.tx import complete
from hato.store.sqlite.engine import SqliteTx

_CHUNK = 500


def chunks(values: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    """Split a long id list so no statement exceeds SQLite's variable limit."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def put_blob(conn: sqlite3.Connection, content: bytes, meta: MessageMeta) -> int:
    return complete(blobs.put_blob(SqliteTx(conn), content, meta))


def collect_garbage(conn: sqlite3.Connection, blob_ids: Iterable[int]) -> None:
    complete(blobs.collect_garbage(SqliteTx(conn), blob_ids))
