"""Moving up: copy an embedded (SQLite) store into an empty PostgreSQL database.

Both databases carry the same schema (schema.py), so every table is copied
row for row with its ids, through PostgreSQL's COPY protocol, in one
transaction: UIDVALIDITY, UIDs, flags and MODSEQs arrive unchanged and clients
need no resync. Afterwards each serial column's sequence is moved past the
copied ids, and the row counts of both sides are compared.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from hato.store.base import StoreError
from hato.store.postgres.migrate import migrate

__all__ = ["TABLES", "CopyReport", "copy_sqlite_to_postgres"]

#: In an order that satisfies the foreign keys.
TABLES = (
    "accounts",
    "mailboxes",
    "blobs",
    "blob_meta",
    "kept_imap",
    "blob_text",
    "messages",
    "kept_fields",
    "expunged",
    "aliases",
    "queue_messages",
    "queue_recipients",
    "subscriptions",
    "sieve_scripts",
    "sieve_vacation",
    "class_members",
    "assignments",
    "submissions",
)
_SERIALS = ("accounts", "mailboxes", "blobs", "queue_messages", "assignments", "submissions")

#: Called with (table, rows copied so far, rows in all tables).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class CopyReport:
    """Rows per table on each side after the copy."""

    source: dict[str, int]
    target: dict[str, int]

    @property
    def verified(self) -> bool:
        return self.source == self.target


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES}


def _rows(conn: sqlite3.Connection, table: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    cursor = conn.execute(f"SELECT * FROM {table}")
    return [column[0] for column in cursor.description], iter(cursor)


async def _require_empty(conn: psycopg.AsyncConnection[Any]) -> None:
    for table in TABLES:
        cursor = await conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        row = await cursor.fetchone()
        if row and row[0]:
            raise StoreError(f"the target database is not empty (table {table} has rows)")


async def _copy_table(
    source: sqlite3.Connection,
    target: psycopg.AsyncConnection[Any],
    table: str,
    tick: Callable[[str], None],
) -> None:
    columns, rows = _rows(source, table)
    names = ", ".join(columns)
    async with target.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as out:
        for row in rows:
            await out.write_row(row)
            tick(table)


async def _reset_sequences(target: psycopg.AsyncConnection[Any]) -> None:
    for table in _SERIALS:
        await target.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


async def _target_counts(target: psycopg.AsyncConnection[Any]) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        cursor = await target.execute(f"SELECT COUNT(*) FROM {table}")
        row = await cursor.fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


async def copy_sqlite_to_postgres(path: Path, url: str, progress: Progress) -> CopyReport:
    """Copy the (migrated, quiescent) SQLite store at ``path`` into the database at ``url``."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.execute("BEGIN")  # one snapshot of the source
        counts = _counts(source)
        total, done = sum(counts.values()), 0

        def tick(table: str) -> None:
            nonlocal done
            done += 1
            if done % 200 == 0 or done == total:
                progress(table, done, total)

        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as target:
            await migrate(target)
            await target.execute("BEGIN")
            await _require_empty(target)
            for table in TABLES:
                await _copy_table(source, target, table, tick)
            await _reset_sequences(target)
            await target.execute("COMMIT")
            return CopyReport(counts, await _target_counts(target))
    finally:
        source.close()
