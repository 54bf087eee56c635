"""The PostgreSQL engine: a connection pool, transactions retried, changes announced.

Theory of operation. Every store call runs one transaction on a pooled
connection. Writes run at READ COMMITTED and take the row lock of each mailbox
they change before anything else (``UPDATE mailboxes ... RETURNING`` or
``SELECT ... FOR UPDATE``), so writers on every node touching one mailbox queue
up on that row: UIDs and MODSEQs are handed out in commit order and strictly
ascend (the UID invariant, docs/architecture.md). A serialization failure or a deadlock rolls the
transaction back and runs the work again, a few times, never reaching a client.
``synchronous_commit = on`` makes COMMIT return only once the WAL is flushed, so
a caller may acknowledge as soon as ``write`` returns (the durability invariant).

Reads run in one REPEATABLE READ, READ ONLY transaction: one snapshot per call.

A write that touched mailboxes sends ``NOTIFY hato_changes, '<node>:<ids>'`` in
its own transaction (PostgreSQL delivers it only on commit); this process's
notifier is told at once, other nodes through their listener (listener.py).

Outages. ``open`` connects once by itself before anything else, so that a
wrong url fails at once with libpq's own words (causes.py) instead of a pool
timeout. While running, a connection error marks the store down
(availability.py): calls then fail at once with ``StoreUnavailable``, except
one every quarter second, which first tries a fresh connection (the probe).
Once the probe connects, the pool's idle connections, dead since the server
went away, are checked and replaced in one pass, and service resumes. A
pooled connection that fails its ``BEGIN`` has run nothing, so the call runs
again after a probe: a restart between two calls costs the second no error.
The pool's own reconnection gives up after ``_RECONNECT`` seconds (its backoff
would otherwise grow to minutes); the next call that needs a connection
starts it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from hato.store.availability import Availability
from hato.store.base import StoreFull, StoreUnavailable
from hato.store.notify import Notifier
from hato.store.postgres.causes import describe
from hato.store.postgres.listener import CHANNEL, Listener
from hato.store.postgres.migrate import migrate
from hato.store.sql.dialect import POSTGRES, Dialect
from hato.store.sql.tx import Duplicate, StillReferenced
from hato.store.url import redact

__all__ = ["CHANNEL", "Database", "StoreUnavailable", "Tx"]

T = TypeVar("T")
Row = tuple[Any, ...]
_RETRIES = 8
_RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)
_CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)
_CONNECT_TIMEOUT = 2  # seconds; libpq's smallest connect_timeout
_RECONNECT = 2.0

# The pool logs every failed reconnection attempt; the availability tracker
# reports an outage once, when it begins and when it ends.
logging.getLogger("psycopg.pool").setLevel(logging.ERROR)


class _DeadConnection(Exception):
    """A pooled connection failed before its transaction began: nothing ran."""


class _LostConnection(Exception):
    """The connection broke during the transaction: whether it committed is unknown."""


@contextlib.contextmanager
def _constraints() -> Iterator[None]:
    """PostgreSQL's constraint failures as the transaction protocol names them."""
    try:
        yield
    except errors.UniqueViolation as error:
        raise Duplicate(str(error)) from error
    except errors.ForeignKeyViolation as error:
        raise StillReferenced(str(error)) from error


@functools.lru_cache(maxsize=1024)
def _pyformat(sql: str) -> str:
    """A statement in the store's one placeholder style (``?``) as psycopg takes it (``%s``).

    Statements with no ``?`` pass as they are (the backend's own, still written
    for psycopg).
    """
    if "?" not in sql:
        return sql
    return sql.replace("%", "%%").replace("?", "%s")


class Tx:
    """The transaction protocol (hato/store/sql/tx.py) on a pooled psycopg connection."""

    dialect: Dialect = POSTGRES

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn
        self.touched: set[int] = set()

    def touch(self, mailbox_id: int) -> None:
        """Record that ``mailbox_id`` changed, for the notification at commit."""
        self.touched.add(mailbox_id)

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = await self._execute(sql, params)
        return await cursor.fetchone()

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = await self._execute(sql, params)
        return await cursor.fetchall()

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; return how many rows it affected."""
        cursor = await self._execute(sql, params)
        return cursor.rowcount

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with _constraints():
                async with self.conn.cursor() as cursor:
                    await cursor.executemany(_pyformat(sql), rows)

    async def _execute(self, sql: str, params: Sequence[Any]) -> psycopg.AsyncCursor[Row]:
        with _constraints():
            return await self.conn.execute(_pyformat(sql), params)


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.execute("SET synchronous_commit = on")


class Database:
    """A PostgreSQL database opened for concurrent async use from one event loop: a driver
    (hato/store/sql/driver.py)."""

    dialect: Dialect = POSTGRES

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
            timeout=timeout,
            reconnect_timeout=_RECONNECT,
        )
        self.availability = Availability()
        self._listener = Listener(self.node, notifier, self.availability, self._connect)
        self._opening: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Connect, apply pending migrations and start listening (once; idempotent)."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._open())
        await asyncio.shield(self._opening)

    async def _open(self) -> None:
        try:
            async with await self._connect() as conn:
                await migrate(conn)
        except psycopg.Error as exc:
            self._opening = None
            where = redact(self.url)
            raise StoreUnavailable(f"cannot open the store {where}: {describe(exc)}") from exc
        await self._pool.open()
        await self._listener.start()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        """A connection of its own, outside the pool (to migrate, to listen, to probe)."""
        return await psycopg.AsyncConnection.connect(
            self.url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT
        )

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

    async def read(
        self,
        work: Callable[[Tx], Awaitable[T]],
        *,
        statement: bool = False,
        size: int | None = None,
    ) -> T:
        """Run ``work`` in one read-only snapshot.

        Every read is one transaction over the network, whatever ``statement`` and
        ``size`` say of it: they change nothing here.
        """
        await self.open()
        return (await self._run(work, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"))[0]

    async def _attempt(self, work: Callable[[Tx], Awaitable[T]]) -> tuple[T, set[int]]:
        return await self._run(work, "BEGIN")

    async def _run(self, work: Callable[[Tx], Awaitable[T]], begin: str) -> tuple[T, set[int]]:
        await self._admit()
        try:
            try:
                outcome = await self._transaction(work, begin)
            except _DeadConnection:
                await self._probe()  # the server went away: is it back?
                outcome = await self._transaction(work, begin)
        except _RETRYABLE:
            raise
        except (_DeadConnection, _LostConnection) as exc:
            raise self.availability.failed(StoreUnavailable(describe(exc.__cause__))) from exc
        except _CONNECTION_ERRORS as exc:
            raise self.availability.failed(StoreUnavailable(describe(exc))) from exc
        except PoolTimeout as exc:
            await self._probe()  # raises if the store is down, else the pool is just busy
            raise StoreUnavailable(f"no database connection free: {exc}") from exc
        self.availability.worked()
        return outcome

    async def _admit(self) -> None:
        """While the store is down, refuse at once all calls but one probe an interval."""
        if self.availability.down:
            self.availability.admit()
            await self._probe()

    async def _probe(self) -> None:
        """Connect afresh: the store is up (dead pooled connections are dropped) or down."""
        try:
            conn = await self._connect()
        except psycopg.Error as exc:
            raise self.availability.failed(StoreUnavailable(describe(exc))) from exc
        await conn.close()
        self.availability.worked()
        await self._pool.check()

    async def _transaction(
        self, work: Callable[[Tx], Awaitable[T]], begin: str
    ) -> tuple[T, set[int]]:
        async with self._pool.connection() as conn:
            try:
                await conn.execute(begin)
            except _CONNECTION_ERRORS as exc:
                raise _DeadConnection() from exc
            tx = Tx(conn)
            try:
                result = await work(tx)
                await conn.execute(self._commit(tx))
            except _CONNECTION_ERRORS as exc:
                if conn.broken:
                    raise _LostConnection() from exc
                await conn.execute("ROLLBACK")  # the statement failed, not the server
                if isinstance(exc, _RETRYABLE):
                    raise
                failure = StoreFull if isinstance(exc, errors.DiskFull) else StoreUnavailable
                raise failure(describe(exc)) from exc
            except BaseException:
                if not conn.closed:
                    await conn.execute("ROLLBACK")
                raise
            return result, tx.touched

    def _commit(self, tx: Tx) -> str:
        """COMMIT, preceded by the NOTIFY of the mailboxes changed: one round trip.

        The payload is digits, commas and the hex node token only, so it is spliced
        into the text; PostgreSQL sends the notification only if the commit succeeds.
        """
        if not tx.touched:
            return "COMMIT"
        ids = ",".join(str(int(i)) for i in sorted(tx.touched))
        return f"SELECT pg_notify('{CHANNEL}', '{self.node}:{ids}'); COMMIT"
