"""SQL for the outbound queue and aliases (SQLite), and the store methods over them.

The queue keeps each message once (``queue_messages``) and one row per recipient
still owed a delivery (``queue_recipients``). Rows leave only after delivery or a
bounce, each change in its own durable transaction, so a restart (or SIGKILL)
resumes exactly where the last commit left off (RFC 5321 §4.5.4.1: retry).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from hato.store.base import Delivery, MessageMeta, Outbound, QueueEntry
from hato.store.sqlite.engine import Database, legacy

__all__ = ["QueueMethods"]

_ENTRY = (
    "SELECT r.message_id, m.sender, r.recipient, m.created, r.attempts, r.next_attempt, "
    "r.last_error, LENGTH(m.content) FROM queue_recipients r "
    "JOIN queue_messages m ON m.id = r.message_id"
)


def _entry(row: tuple[object, ...]) -> QueueEntry:
    ident, sender, recipient, created, attempts, due, error, size = row
    return QueueEntry(
        int(str(ident)),
        str(sender),
        str(recipient),
        int(str(created)),
        int(str(attempts)),
        int(str(due)),
        str(error),
        int(str(size)),
    )


def insert_outbound(conn: sqlite3.Connection, outbound: Outbound) -> int:
    message_id = int(
        conn.execute(
            "INSERT INTO queue_messages (sender, content, created) VALUES (?, ?, ?) RETURNING id",
            (outbound.sender, outbound.content, outbound.created),
        ).fetchone()[0]
    )
    conn.executemany(
        "INSERT OR IGNORE INTO queue_recipients (message_id, recipient, next_attempt) "
        "VALUES (?, ?, ?)",
        [(message_id, rcpt, outbound.created) for rcpt in outbound.recipients],
    )
    return message_id


def select_due(conn: sqlite3.Connection, now: int, limit: int) -> list[QueueEntry]:
    rows = conn.execute(
        f"{_ENTRY} WHERE r.next_attempt <= ? ORDER BY r.next_attempt, r.message_id LIMIT ?",
        (now, limit),
    ).fetchall()
    return [_entry(row) for row in rows]


def select_all(conn: sqlite3.Connection) -> list[QueueEntry]:
    rows = conn.execute(f"{_ENTRY} ORDER BY r.message_id, r.recipient").fetchall()
    return [_entry(row) for row in rows]


def select_content(conn: sqlite3.Connection, message_id: int) -> bytes | None:
    row = conn.execute("SELECT content FROM queue_messages WHERE id = ?", (message_id,)).fetchone()
    return bytes(row[0]) if row else None


def _drop_finished(conn: sqlite3.Connection, message_id: int) -> None:
    conn.execute(
        "DELETE FROM queue_messages WHERE id = ? AND NOT EXISTS "
        "(SELECT 1 FROM queue_recipients WHERE message_id = ?)",
        (message_id, message_id),
    )


def delete_recipients(conn: sqlite3.Connection, message_id: int, recipients: list[str]) -> None:
    conn.executemany(
        "DELETE FROM queue_recipients WHERE message_id = ? AND recipient = ?",
        [(message_id, rcpt) for rcpt in recipients],
    )
    _drop_finished(conn, message_id)


def defer_recipients(
    conn: sqlite3.Connection, message_id: int, recipients: list[str], due: int, error: str
) -> None:
    conn.executemany(
        "UPDATE queue_recipients SET attempts = attempts + 1, next_attempt = ?, last_error = ? "
        "WHERE message_id = ? AND recipient = ?",
        [(due, error, message_id, rcpt) for rcpt in recipients],
    )


def retry_now(conn: sqlite3.Connection, message_id: int | None, now: int) -> int:
    if message_id is None:
        return conn.execute("UPDATE queue_recipients SET next_attempt = ?", (now,)).rowcount
    return conn.execute(
        "UPDATE queue_recipients SET next_attempt = ? WHERE message_id = ?", (now, message_id)
    ).rowcount


def delete_message(conn: sqlite3.Connection, message_id: int) -> bool:
    conn.execute("DELETE FROM queue_recipients WHERE message_id = ?", (message_id,))
    return conn.execute("DELETE FROM queue_messages WHERE id = ?", (message_id,)).rowcount == 1


def replace_alias(conn: sqlite3.Connection, address: str, targets: list[str]) -> None:
    conn.execute("DELETE FROM aliases WHERE address = ?", (address,))
    conn.executemany(
        "INSERT OR IGNORE INTO aliases (address, target, position) VALUES (?, ?, ?)",
        [(address, target, i) for i, target in enumerate(targets)],
    )


def delete_alias(conn: sqlite3.Connection, address: str) -> bool:
    return conn.execute("DELETE FROM aliases WHERE address = ?", (address,)).rowcount > 0


def select_aliases(conn: sqlite3.Connection) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for address, target in conn.execute(
        "SELECT address, target FROM aliases ORDER BY address, position"
    ):
        table.setdefault(str(address), []).append(str(target))
    return table


def select_targets(conn: sqlite3.Connection, address: str) -> list[str]:
    rows = conn.execute(
        "SELECT target FROM aliases WHERE address = ? ORDER BY position", (address,)
    ).fetchall()
    return [str(row[0]) for row in rows]


class QueueMethods:
    """The Store's queue and alias methods, mixed into ``SqliteStore``."""

    _db: Database

    async def deliver_and_queue(
        self,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        deliveries: Sequence[Delivery],
        outbound: Outbound | None,
    ) -> int | None:
        """Local copies and the queued message commit together, or not at all."""
        from hato.store.sqlite.backend import deliver_rows

        def work(conn: sqlite3.Connection) -> int | None:
            if deliveries:
                deliver_rows(conn, content, meta, internal_date, list(deliveries))
            return insert_outbound(conn, outbound) if outbound else None

        return await self._db.write(legacy(work))

    async def queue_due(self, now: int, limit: int) -> list[QueueEntry]:
        return await self._db.read(legacy(select_due, now=now, limit=limit))

    async def queue_entries(self) -> list[QueueEntry]:
        return await self._db.read(legacy(select_all))

    async def queue_content(self, message_id: int) -> bytes | None:
        return await self._db.read(legacy(select_content, message_id=message_id))

    async def queue_done(self, message_id: int, recipients: Sequence[str]) -> None:
        await self._db.write(
            legacy(delete_recipients, message_id=message_id, recipients=list(recipients))
        )

    async def queue_defer(
        self, message_id: int, recipients: Sequence[str], next_attempt: int, error: str
    ) -> None:
        await self._db.write(
            legacy(
                defer_recipients,
                message_id=message_id,
                recipients=list(recipients),
                due=next_attempt,
                error=error,
            )
        )

    async def queue_retry(self, message_id: int | None, now: int) -> int:
        return await self._db.write(legacy(retry_now, message_id=message_id, now=now))

    async def queue_delete(self, message_id: int) -> bool:
        return await self._db.write(legacy(delete_message, message_id=message_id))

    async def set_alias(self, address: str, targets: Sequence[str]) -> None:
        await self._db.write(legacy(replace_alias, address=address, targets=list(targets)))

    async def delete_alias(self, address: str) -> bool:
        return await self._db.write(legacy(delete_alias, address=address))

    async def aliases(self) -> dict[str, list[str]]:
        return await self._db.read(legacy(select_aliases))

    async def alias_targets(self, address: str) -> list[str]:
        return await self._db.read(legacy(select_targets, address=address))
