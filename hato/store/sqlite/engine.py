"""The SQLite engine: one writer thread with group commit, a pool of readers.

Theory of operation. SQLite in WAL mode allows one writer and many readers at
once. All writes go through a single thread that owns the write connection:
jobs queue up while the previous transaction is being made durable, and the
writer then runs every queued job in one transaction (each inside its own
SAVEPOINT, so one failing job does not undo its neighbours) and commits once.
With ``synchronous=FULL`` the commit returns only after the WAL is on disk, so
a job's future is resolved — and a protocol may acknowledge — only once the
data is durable (the durability invariant, docs/architecture.md). Concurrent
deliveries therefore share one fsync instead of paying one each.

Another process may write to the same file (``hato import``, ``hato user`` while
``hato serve`` runs). SQLite tells a connection that happened through ``PRAGMA
data_version``, which changes when a connection *other* than this one commits: on
the writer's connection, whose own commits leave it alone, a change means another
writer. The writer thread reads it before each batch and, when idle, every
``OTHER_WRITERS_CHECK`` seconds; on a change it wakes every subscriber
(``Notifier.publish_all``), and each shared index asks the store what changed,
so IMAP sessions see mail another process stored.

Reads run on a small thread pool, each thread with its own read-only
connection, each call inside one read transaction (a consistent snapshot);
reads known to be small run inline on the event loop's thread.

Page caches. Each connection caches the pages it read in its own memory (SQLite's
default: up to 2 MB), kept after the work is done. A reader's is kept small
(``READ_CACHE_KIB``): its hot pages are the b-trees' inner pages, which stay in any
cache; a listing larger than 2 MB (a mailbox of some 20,000 messages) did not fit
either way, message bodies are read once, and any commit (a delivery) empties a WAL
reader's cache at its next transaction anyway: the pages come back from the
system's file cache in a read call each, a microsecond or so. The writer keeps the
default, for the indexes a delivery batch updates. Each gives its cache back once it has
been idle for ``RELEASE_AFTER`` (``PRAGMA shrink_memory``), and the freed pages go back
to the system (``hato.heap.trim``: they were spread over the threads' heaps): the next
burst reads its pages again, once. The writer does it in its own thread; the readers,
all at once when no read has run for that long (``_release_readers``, on the event
loop, while none is under way). The batches and reads of a burst follow each other by
milliseconds; a quiet server holds no page cache a quarter of a second after its last
write or read.

Storage failures (a full disk, a read-only file, I/O errors: causes.py)
reach callers as ``StoreUnavailable``; the first one is logged, and so is the
first write that succeeds again (availability.py). A job that fails that way
fails its whole batch: SQLite may have rolled the transaction back already, and
nothing of it is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from hato import heap
from hato.store import schema
from hato.store.availability import Availability
from hato.store.notify import Notifier
from hato.store.sql.dialect import SQLITE, Dialect
from hato.store.sql.tx import Duplicate, Row, StillReferenced, Work, complete
from hato.store.sqlite.causes import cannot_open, storage_failure

__all__ = ["INLINE_READ", "Database", "SqliteTx"]

T = TypeVar("T")
_MAX_BATCH = 256
#: Bytes a read may bring back on the event loop's thread (see ``Database.read``).
INLINE_READ = 256 * 1024
#: Seconds between two looks, while idle, for commits by another process.
OTHER_WRITERS_CHECK = 1.0
#: Seconds without a write (a read) after which the writer (the readers) give their
#: page caches back.
RELEASE_AFTER = 0.25
#: A read connection's page cache, in KiB (SQLite's default is 2,000): the module
#: docstring says why it is enough.
READ_CACHE_KIB = 512


@dataclass(slots=True)
class _Job:
    work: Callable[[sqlite3.Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class TrackingConnection(sqlite3.Connection):
    """A connection that remembers which mailboxes the current transaction changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.touched: set[int] = set()


def touch(conn: sqlite3.Connection, mailbox_id: int) -> None:
    """Record that ``mailbox_id`` changed, for the notification after commit."""
    if isinstance(conn, TrackingConnection):
        conn.touched.add(mailbox_id)


_DUPLICATE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def _name_constraint(error: sqlite3.IntegrityError) -> None:
    """Raise SQLite's constraint failure as the transaction protocol names it, if it
    names it (called from a plain ``except`` at each statement: a context manager
    cost a generator a statement)."""
    name = getattr(error, "sqlite_errorname", "")
    if name in _DUPLICATE:
        raise Duplicate(str(error)) from error
    if name == "SQLITE_CONSTRAINT_FOREIGNKEY":
        raise StillReferenced(str(error)) from error


class SqliteTx:
    """The transaction protocol (hato/store/sql/tx.py) on a SQLite connection.

    Every method completes without suspending, so the driver runs an operation
    to its end with ``complete`` on the thread that owns the connection.
    """

    dialect: Dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self._execute(sql, params).fetchone()
        return row

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._execute(sql, params).fetchall()

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._execute(sql, params).rowcount

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            try:
                self.conn.executemany(sql, rows)
            except sqlite3.IntegrityError as error:
                _name_constraint(error)
                raise

    def _execute(self, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.IntegrityError as error:
            _name_constraint(error)
            raise

    def touch(self, mailbox_id: int) -> None:
        touch(self.conn, mailbox_id)


def _on_connection(work: Work[T]) -> Callable[[sqlite3.Connection], T]:
    """An operation, as a plain function of the connection it runs on."""
    return lambda conn: complete(work(SqliteTx(conn)))


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path,
        isolation_level=None,
        check_same_thread=False,
        timeout=30,
        factory=TrackingConnection,
    )
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA busy_timeout = 30000")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
        conn.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")
    return conn


def _open(path: Path) -> sqlite3.Connection:
    """The write connection, the schema brought up to date; why not, if it cannot be."""
    conn = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path)
        _migrate(conn)
        # SQLite opens a file it may not write read-only, and says so at the first write.
        conn.execute("UPDATE schema_version SET version = version WHERE 0")
    except (OSError, sqlite3.Error) as error:
        if conn is not None:
            conn.close()
        raise cannot_open(path, error) from error
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    applied = {row[0] for row in conn.execute("SELECT version FROM schema_version")}
    for version, statements in schema.pending(applied, "sqlite"):
        conn.execute("BEGIN IMMEDIATE")
        for statement in statements:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        conn.execute("COMMIT")


def _settle_all(outcomes: list[tuple[_Job, Any, BaseException | None]]) -> None:
    for job, result, failure in outcomes:
        _settle(job.future, result, failure)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Database:
    """A SQLite file opened for concurrent async use: a driver (hato/store/sql/driver.py)."""

    dialect: Dialect = SQLITE

    def __init__(self, path: Path, notifier: Notifier, readers: int = 4) -> None:
        self.path = path
        self.notifier = notifier
        self.availability = Availability()
        self._write_conn = _open(path)
        self._data_version = self._write_conn.execute("PRAGMA data_version").fetchone()[0]
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_loop, name="hato-db-writer")
        self._writer.start()
        self._read_conns: list[sqlite3.Connection] = []
        self._local = threading.local()
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="hato-db-reader")
        self._pooled = 0  # reads under way on the pool
        self._last_read = 0.0  # time.monotonic() at the end of the last read
        self._release: asyncio.TimerHandle | None = None  # _release_readers, when due
        self._release_loop: asyncio.AbstractEventLoop | None = None  # the loop it is due on
        self._closed = False

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction; return once it is committed to disk."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(_on_connection(work), loop, future))
        try:
            result = await future
        except sqlite3.Error as error:
            self._raise_unavailable(error)
            raise
        self.availability.worked()
        return result

    async def read(self, work: Work[T], *, statement: bool = False, size: int | None = None) -> T:
        """Run ``work`` on a read-only connection, inside one snapshot.

        ``statement=True`` says ``work`` is a single statement: SQLite makes each
        statement consistent by itself, so the BEGIN/COMMIT round is saved.
        ``size``, the bytes the caller expects back, decides where it runs: up
        to ``INLINE_READ`` (one message of a few hundred KB), on the calling
        (event loop) thread with that thread's own connection, for the hop to a
        pool thread and back would cost more than the read itself; else, or
        unknown, on the pool. WAL readers never wait for the writer.
        """
        run = self._run_statement if statement else self._run_read
        on_connection = _on_connection(work)
        try:
            if size is not None and size <= INLINE_READ:
                return run(on_connection)
            loop = asyncio.get_running_loop()
            self._pooled += 1
            try:
                return await loop.run_in_executor(self._readers, run, on_connection)
            finally:
                self._pooled -= 1
        except sqlite3.Error as error:
            self._raise_unavailable(error)
            raise
        finally:
            self._last_read = time.monotonic()
            if self._release_loop is None or self._release_loop.is_closed():
                self._release_soon(asyncio.get_running_loop(), RELEASE_AFTER)

    def _release_soon(self, loop: asyncio.AbstractEventLoop, delay: float) -> None:
        self._release = loop.call_later(delay, self._release_readers)
        self._release_loop = loop

    def _release_readers(self) -> None:
        """Give every read connection's page cache back, once reads have paused for
        ``RELEASE_AFTER`` (module docstring); else look again when they may have. It runs
        on the event loop that reads (one at a time uses a Database), between two inline
        reads, and with no read on the pool: no connection is in use."""
        if self._closed:
            return
        quiet = time.monotonic() - self._last_read
        if self._pooled or quiet < RELEASE_AFTER:
            wait = RELEASE_AFTER - quiet if quiet < RELEASE_AFTER else RELEASE_AFTER
            self._release_soon(asyncio.get_running_loop(), wait)
            return
        self._release = self._release_loop = None
        for conn in self._read_conns:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA shrink_memory")
        heap.trim()

    def _raise_unavailable(self, error: sqlite3.Error) -> None:
        """Raise ``StoreUnavailable`` if ``error`` is a storage failure, the outage logged
        once. Only writes tell that the store works again: reads go on working on a full
        disk, and would announce every next write's failure anew."""
        failure = storage_failure(error)
        if failure is not None:
            raise self.availability.failed(failure) from error

    async def open(self) -> None:
        """Nothing left to do: the constructor opened the file (or said why it could not)."""

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._release is not None:
            self._release.cancel()
        self._jobs.put(None)
        self._writer.join()
        self._readers.shutdown(wait=True)
        for conn in [*self._read_conns, self._write_conn]:
            conn.close()

    def _reader_conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, read_only=True)
            self._local.conn = conn
            self._read_conns.append(conn)
        return conn

    def _run_statement(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return work(self._reader_conn())

    def _run_read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._reader_conn()
        conn.execute("BEGIN")
        try:
            return work(conn)
        finally:
            conn.execute("COMMIT")

    def _write_loop(self) -> None:
        idle = True  # nothing written since the cache was last given back
        while True:
            try:
                first = self._jobs.get(timeout=OTHER_WRITERS_CHECK if idle else RELEASE_AFTER)
            except queue.Empty:
                self._notice_other_writers()
                if not idle:
                    self._release_cache()
                    idle = True
                continue
            if first is None:
                return
            self._notice_other_writers()
            batch, stop = self._gather(first)
            self._run_batch(batch)
            idle = False
            if stop:
                return

    def _release_cache(self) -> None:
        """Give the write connection's page cache back, after a burst (module docstring)."""
        with contextlib.suppress(sqlite3.Error):  # a storage failure: the next job reports it
            self._write_conn.execute("PRAGMA shrink_memory")
        heap.trim()

    def _notice_other_writers(self) -> None:
        """Wake every subscriber if another connection committed since the last look."""
        try:
            version = self._write_conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:  # a storage failure: the next job reports it
            return
        if version != self._data_version:
            self._data_version = version
            self.notifier.publish_all()

    def _gather(self, first: _Job) -> tuple[list[_Job], bool]:
        batch = [first]
        while len(batch) < _MAX_BATCH:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return batch, False
            if job is None:
                return batch, True
            batch.append(job)
        return batch, False

    def _run_batch(self, batch: list[_Job]) -> None:
        conn = self._write_conn
        assert isinstance(conn, TrackingConnection)
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        conn.touched.clear()
        try:
            conn.execute("BEGIN IMMEDIATE")
            outcomes = [(job, *self._run_job(conn, job)) for job in batch]
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # rolled back already by SQLite
                    conn.execute("ROLLBACK")
            outcomes = [(job, None, error) for job in batch]
            conn.touched.clear()
        # each loop settles its callers in the same callback that signals the change, just
        # before it: their tasks run before the sessions it wakes, and see it signalled
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, Any, BaseException | None]]]
        by_loop = {}
        for outcome in outcomes:
            by_loop.setdefault(outcome[0].loop, []).append(outcome)
        settles = {loop: partial(_settle_all, settled) for loop, settled in by_loop.items()}
        self.notifier.publish(conn.touched, before=settles)

    @staticmethod
    def _run_job(conn: sqlite3.Connection, job: _Job) -> tuple[Any, BaseException | None]:
        conn.execute("SAVEPOINT job")
        try:
            result = job.work(conn)
        except Exception as failure:  # the job's own failure, reported to its caller
            try:
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
            except sqlite3.Error:
                if isinstance(failure, sqlite3.Error):
                    raise failure from None  # it took the transaction along: the batch fails
                raise
            return None, failure
        conn.execute("RELEASE job")
        return result, None
