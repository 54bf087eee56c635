"""SQL for the outbound queue and aliases (PostgreSQL), and the store methods over them.

Same model as the SQLite queue (one row per message, one per recipient still
owed a delivery). With several nodes, two queue runners may pick the same due
entry; ``queue_due`` therefore claims what it returns by moving its
``next_attempt`` a short lease ahead (``FOR UPDATE SKIP LOCKED``), so each
entry is attempted by one node at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from hato.store.base import Delivery, MessageMeta, Outbound, QueueEntry
from hato.store.postgres.engine import Database, Tx

__all__ = ["QueueMethods"]

#: Seconds a node holds the entries it is sending; after a crash, another retries.
LEASE = 300
_ENTRY = (
    "SELECT r.message_id, m.sender, r.recipient, m.created, r.attempts, r.next_attempt, "
    "r.last_error, octet_length(m.content) FROM queue_recipients r "
    "JOIN queue_messages m ON m.id = r.message_id"
)


def _entry(row: tuple[Any, ...]) -> QueueEntry:
    return QueueEntry(*row)


async def insert_outbound(tx: Tx, outbound: Outbound) -> int:
    row = await tx.one(
        "INSERT INTO queue_messages (sender, content, created) VALUES (%s, %s, %s) RETURNING id",
        (outbound.sender, outbound.content, outbound.created),
    )
    assert row is not None
    await tx.many(
        "INSERT INTO queue_recipients (message_id, recipient, next_attempt) "
        "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        [(row[0], rcpt, outbound.created) for rcpt in outbound.recipients],
    )
    return int(row[0])


async def claim_due(tx: Tx, now: int, limit: int) -> list[QueueEntry]:
    """The entries due at ``now``, leased to this node for ``LEASE`` seconds."""
    rows = await tx.all(
        f"{_ENTRY} WHERE r.next_attempt <= %s ORDER BY r.next_attempt, r.message_id LIMIT %s "
        "FOR UPDATE OF r SKIP LOCKED",
        (now, limit),
    )
    await tx.many(
        "UPDATE queue_recipients SET next_attempt = %s WHERE message_id = %s AND recipient = %s",
        [(now + LEASE, row[0], row[2]) for row in rows],
    )
    return [_entry(row) for row in rows]


async def select_all(tx: Tx) -> list[QueueEntry]:
    rows = await tx.all(f'{_ENTRY} ORDER BY r.message_id, r.recipient COLLATE "C"')
    return [_entry(row) for row in rows]


async def select_content(tx: Tx, message_id: int) -> bytes | None:
    row = await tx.one("SELECT content FROM queue_messages WHERE id = %s", (message_id,))
    return bytes(row[0]) if row else None


async def delete_recipients(tx: Tx, message_id: int, recipients: list[str]) -> None:
    await tx.run(
        "DELETE FROM queue_recipients WHERE message_id = %s AND recipient = ANY(%s::text[])",
        (message_id, recipients),
    )
    await tx.run(
        "DELETE FROM queue_messages WHERE id = %s AND NOT EXISTS "
        "(SELECT 1 FROM queue_recipients WHERE message_id = %s)",
        (message_id, message_id),
    )


async def defer_recipients(
    tx: Tx, message_id: int, recipients: list[str], due: int, error: str
) -> None:
    await tx.run(
        "UPDATE queue_recipients SET attempts = attempts + 1, next_attempt = %s, "
        "last_error = %s WHERE message_id = %s AND recipient = ANY(%s::text[])",
        (due, error, message_id, recipients),
    )


async def retry_now(tx: Tx, message_id: int | None, now: int) -> int:
    if message_id is None:
        return await tx.run("UPDATE queue_recipients SET next_attempt = %s", (now,))
    return await tx.run(
        "UPDATE queue_recipients SET next_attempt = %s WHERE message_id = %s", (now, message_id)
    )


async def delete_message(tx: Tx, message_id: int) -> bool:
    await tx.run("DELETE FROM queue_recipients WHERE message_id = %s", (message_id,))
    return await tx.run("DELETE FROM queue_messages WHERE id = %s", (message_id,)) == 1


async def replace_alias(tx: Tx, address: str, targets: list[str]) -> None:
    await tx.run("DELETE FROM aliases WHERE address = %s", (address,))
    await tx.many(
        "INSERT INTO aliases (address, target, position) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING",
        [(address, target, i) for i, target in enumerate(targets)],
    )


async def delete_alias(tx: Tx, address: str) -> bool:
    return await tx.run("DELETE FROM aliases WHERE address = %s", (address,)) > 0


async def select_aliases(tx: Tx) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    rows = await tx.all(
        'SELECT address, target FROM aliases ORDER BY address COLLATE "C", position'
    )
    for address, target in rows:
        table.setdefault(address, []).append(target)
    return table


async def select_targets(tx: Tx, address: str) -> list[str]:
    rows = await tx.all(
        "SELECT target FROM aliases WHERE address = %s ORDER BY position", (address,)
    )
    return [row[0] for row in rows]


class QueueMethods:
    """The Store's queue and alias methods, mixed into ``PostgresStore``."""

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
        from hato.store.postgres.backend import deliver_rows

        async def work(tx: Tx) -> int | None:
            if deliveries:
                await deliver_rows(tx, content, meta, internal_date, list(deliveries))
            return await insert_outbound(tx, outbound) if outbound else None

        return await self._db.write(work)

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

    async def set_alias(self, address: str, targets: Sequence[str]) -> None:
        await self._db.write(partial(replace_alias, address=address, targets=list(targets)))

    async def delete_alias(self, address: str) -> bool:
        return await self._db.write(partial(delete_alias, address=address))

    async def aliases(self) -> dict[str, list[str]]:
        return await self._db.read(select_aliases)

    async def alias_targets(self, address: str) -> list[str]:
        return await self._db.read(partial(select_targets, address=address))
