"""The PostgreSQL engine: a connection pool, transactions retried, changes announced.

Theory of operation. Every store call runs one transaction on a pooled
connection. Writes run at READ COMMITTED and take the row lock of each mailbox
they change before anything else (``UPDATE mailboxes ... RETURNING`` or
``SELECT ... FOR UPDATE``), so writers on every node touching one mailbox queue
up on that row: UIDs and MODSEQs are handed out in commit order and strictly
ascend (invariant 2 of docs/architecture.md). A serialization failure or a deadlock rolls the
transaction back and runs the work again, a few times, never reaching a client.
``synchronous_commit = on`` makes COMMIT return only once the WAL is flushed, so
a caller may acknowledge as soon as ``write`` returns (invariant 1).

Reads run in one REPEATABLE READ, READ ONLY transaction: one snapshot per call.

A write that touched mailboxes sends ``NOTIFY hato_changes, '<node>:<ids>'`` in
its own transaction (PostgreSQL delivers it only on commit); this process's
notifier is told at once, other nodes through their listener (listener.py).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from hato.store.base import StoreUnavailable
from hato.store.notify import Notifier
from hato.store.postgres.listener import CHANNEL, Listener
from hato.store.postgres.migrate import migrate

__all__ = ["CHANNEL", "Database", "StoreUnavailable", "Tx"]

T = TypeVar("T")
Row = tuple[Any, ...]
_RETRIES = 8
_RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)


class Tx:
    """One transaction: statements, and the mailboxes it changed."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn
        self.touched: set[int] = set()

    def touch(self, mailbox_id: int) -> None:
        """Record that ``mailbox_id`` changed, for the notification at commit."""
        self.touched.add(mailbox_id)

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = await self.conn.execute(sql, params)
        return await cursor.fetchone()

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = await self.conn.execute(sql, params)
        return await cursor.fetchall()

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; return how many rows it affected."""
        cursor = await self.conn.execute(sql, params)
        return cursor.rowcount

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            async with self.conn.cursor() as cursor:
                await cursor.executemany(sql, rows)


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.execute("SET synchronous_commit = on")


class Database:
    """A PostgreSQL database opened for concurrent async use from one event loop."""

    def __init__(self, url: str, notifier: Notifier, size: int = 10, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self.notifier = notifier
        self.node = uuid.uuid4().hex[:12]
        self._pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=size,
            open=False,
            kwargs={"autocommit": True},
            configure=_configure,
            check=AsyncConnectionPool.check_connection,
            timeout=timeout,
        )
        self._listener = Listener(url, self.node, notifier)
        self._opening: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Connect, apply pending migrations and start listening (once; idempotent)."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
        await asyncio.shield(self._opening)

    async def _open(self) -> None:
        try:
            await self._pool.open(wait=True, timeout=self.timeout)
            async with self._pool.connection() as conn:
                await migrate(conn)
            await self._listener.start()
        except (psycopg.Error, PoolTimeout) as exc:
            self._opening = None
            raise StoreUnavailable(f"cannot open the PostgreSQL store: {exc}") from exc

    async def close(self) -> None:
        await self._listener.stop()
        await self._pool.close()

    async def write(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction, retried on conflicts; return once durable."""
        await self.open()
        for attempt in range(_RETRIES):
            try:
                result, touched = await self._attempt(work)
            except _RETRYABLE:
                if attempt == _RETRIES - 1:
                    raise StoreUnavailable("too many conflicts, try again") from None
                await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
                continue
            if touched:
                self.notifier.publish(touched)
                # Let the subscriptions' events be set before the caller goes on, so a
                # session's own change is in its next update (as the SQLite engine does).
                await asyncio.sleep(0)
            return result
        raise AssertionError("unreachable")

    async def read(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``work`` in one read-only snapshot."""
        await self.open()
        return (await self._run(work, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"))[0]

    async def _attempt(self, work: Callable[[Tx], Awaitable[T]]) -> tuple[T, set[int]]:
        return await self._run(work, "BEGIN")

    async def _run(self, work: Callable[[Tx], Awaitable[T]], begin: str) -> tuple[T, set[int]]:
        try:
            async with self._pool.connection() as conn:
                tx = Tx(conn)
                await conn.execute(begin)
                try:
                    result = await work(tx)
                    await conn.execute(self._commit(tx))
                except BaseException:
                    if not conn.closed:
                        await conn.execute("ROLLBACK")
                    raise
                return result, tx.touched
        except _RETRYABLE:
            raise
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise StoreUnavailable(str(exc)) from exc

    def _commit(self, tx: Tx) -> str:
        """COMMIT, preceded by the NOTIFY of the mailboxes changed: one round trip.

        The payload is digits, commas and the hex node token only, so it is spliced
        into the text; PostgreSQL sends the notification only if the commit succeeds.
        """
        if not tx.touched:
            return "COMMIT"
        ids = ",".join(str(int(i)) for i in sorted(tx.touched))
        return f"SELECT pg_notify('{CHANNEL}', '{self.node}:{ids}'); COMMIT"
