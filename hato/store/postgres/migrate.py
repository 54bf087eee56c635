"""Applying schema.py's migrations to PostgreSQL, safely from several nodes at once.

The migrations run in one transaction under a transaction-scoped advisory
lock: a second node (or a second ``hato migrate``) waits, then finds nothing
left to do. DDL is transactional in PostgreSQL, so a failed migration leaves
the database as it was.
"""

from __future__ import annotations

from typing import Any

import psycopg

from hato.store import schema

__all__ = ["migrate"]

#: An arbitrary constant naming hato's migration lock among advisory locks.
_LOCK = 0x6861746F


async def migrate(conn: psycopg.AsyncConnection[Any]) -> list[int]:
    """Apply pending migrations on an autocommit connection; return their versions."""
    applied: list[int] = []
    await conn.execute("BEGIN")
    try:
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        cursor = await conn.execute("SELECT version FROM schema_version")
        applied_before = {int(row[0]) for row in await cursor.fetchall()}
        for version, statements in schema.pending(applied_before, "postgresql"):
            for statement in statements:
                await conn.execute(statement)
            await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
            applied.append(version)
        await conn.execute("COMMIT")
    except BaseException:
        if not conn.closed:
            await conn.execute("ROLLBACK")
        raise
    return applied
