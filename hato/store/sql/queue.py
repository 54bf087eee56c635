"""The outbound queue, written once for both databases.

The queue keeps each message once (``queue_messages``) and one row per recipient
still owed a delivery (``queue_recipients``). Rows leave only after delivery or a
bounce, each change in its own durable transaction, so a restart (or SIGKILL)
resumes exactly where the last commit left off (RFC 5321 §4.5.4.1: retry).
Where several nodes share the database, a runner claims what it sends
(``Dialect.queue_lease``), so each entry is attempted by one node at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from hato.store.base import Outbound, QueueEntry, StoreFigures
from hato.store.sql.driver import Driver
from hato.store.sql.tx import Tx

__all__ = ["SqlQueue", "insert_outbound", "select_figures"]

_ENTRY = (
    "SELECT r.message_id, m.sender, r.recipient, m.created, r.attempts, r.next_attempt, "
    "r.last_error, LENGTH(m.content) FROM queue_recipients r "
    "JOIN queue_messages m ON m.id = r.message_id"
)


def _entry(row: tuple[Any, ...]) -> QueueEntry:
    ident, sender, recipient, created, attempts, due, error, size = row
    return QueueEntry(
        int(ident), str(sender), str(recipient), int(created), int(attempts), int(due),
        str(error), int(size),
    )  # fmt: skip


async def select_figures(tx: Tx) -> StoreFigures:
    """The store's size and the queue's length, for monitoring."""
    size = await tx.one(tx.dialect.database_size)
    queued = await tx.one("SELECT COUNT(*) FROM queue_recipients")
    return StoreFigures(int(size[0]) if size else 0, int(queued[0]) if queued else 0)


async def insert_outbound(tx: Tx, outbound: Outbound) -> int:
    row = await tx.one(
        "INSERT INTO queue_messages (sender, content, created) VALUES (?, ?, ?) RETURNING id",
        (outbound.sender, outbound.content, outbound.created),
    )
    assert row is not None
    message_id = int(row[0])
    await tx.many(
        "INSERT INTO queue_recipients (message_id, recipient, next_attempt) "
        "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [(message_id, rcpt, outbound.created) for rcpt in outbound.recipients],
    )
    return message_id


async def claim_due(tx: Tx, now: int, limit: int) -> list[QueueEntry]:
    """The entries due at ``now``; where nodes share the queue, leased to this one."""
    rows = await tx.all(
        f"{_ENTRY} WHERE r.next_attempt <= ? ORDER BY r.next_attempt, r.message_id LIMIT ?"
        f"{tx.dialect.claim('r')}",
        (now, limit),
    )
    if tx.dialect.queue_lease:
        await tx.many(
            "UPDATE queue_recipients SET next_attempt = ? WHERE message_id = ? AND recipient = ?",
            [(now + tx.dialect.queue_lease, row[0], row[2]) for row in rows],
        )
    return [_entry(row) for row in rows]


async def select_all(tx: Tx) -> list[QueueEntry]:
    rows = await tx.all(f"{_ENTRY} ORDER BY r.message_id, r.recipient{tx.dialect.binary_order}")
    return [_entry(row) for row in rows]


async def select_content(tx: Tx, message_id: int) -> bytes | None:
    row = await tx.one("SELECT content FROM queue_messages WHERE id = ?", (message_id,))
    return bytes(row[0]) if row else None


async def delete_recipients(tx: Tx, message_id: int, recipients: list[str]) -> None:
    await tx.many(
        "DELETE FROM queue_recipients WHERE message_id = ? AND recipient = ?",
        [(message_id, rcpt) for rcpt in recipients],
    )
    await tx.run(
        "DELETE FROM queue_messages WHERE id = ? AND NOT EXISTS "
        "(SELECT 1 FROM queue_recipients WHERE message_id = ?)",
        (message_id, message_id),
    )


async def defer_recipients(
    tx: Tx, message_id: int, recipients: list[str], due: int, error: str
) -> None:
    await tx.many(
        "UPDATE queue_recipients SET attempts = attempts + 1, next_attempt = ?, last_error = ? "
        "WHERE message_id = ? AND recipient = ?",
        [(due, error, message_id, rcpt) for rcpt in recipients],
    )


async def retry_now(tx: Tx, message_id: int | None, now: int) -> int:
    if message_id is None:
        return await tx.run("UPDATE queue_recipients SET next_attempt = ?", (now,))
    return await tx.run(
        "UPDATE queue_recipients SET next_attempt = ? WHERE message_id = ?", (now, message_id)
    )


async def delete_message(tx: Tx, message_id: int) -> bool:
    await tx.run("DELETE FROM queue_recipients WHERE message_id = ?", (message_id,))
    return await tx.run("DELETE FROM queue_messages WHERE id = ?", (message_id,)) == 1


class SqlQueue:
    """The store's queue methods (``QueueStore``) over either engine."""

    _db: Driver

    async def queue_due(self, now: int, limit: int) -> list[QueueEntry]:
        return await self._db.write(partial(claim_due, now=now, limit=limit))

    async def queue_entries(self) -> list[QueueEntry]:
        return await self._db.read(select_all)

    async def queue_content(self, message_id: int) -> bytes | None:
        return await self._db.read(partial(select_content, message_id=message_id))

    async def queue_done(self, message_id: int, recipients: Sequence[str]) -> None:
        await self._db.write(
            partial(delete_recipients, message_id=message_id, recipients=list(recipients))
        )

    async def queue_defer(
        self, message_id: int, recipients: Sequence[str], next_attempt: int, error: str
    ) -> None:
        await self._db.write(
            partial(
                defer_recipients,
                message_id=message_id,
                recipients=list(recipients),
                due=next_attempt,
                error=error,
            )
        )

    async def queue_retry(self, message_id: int | None, now: int) -> int:
        return await self._db.write(partial(retry_now, message_id=message_id, now=now))

    async def queue_delete(self, message_id: int) -> bool:
        return await self._db.write(partial(delete_message, message_id=message_id))
