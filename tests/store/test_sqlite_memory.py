"""SQLite-specific: the page caches a server holds after a burst (hato/store/sqlite/engine.py).

A read connection's cache is small, and the writer gives its cache back once it has been
idle: a server that delivered a burst of mail does not keep megabytes of pages it will
read again from the system's file cache."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import sqlite3
from pathlib import Path

import pytest

from hato.store.notify import Notifier
from hato.store.sql.tx import Row, Tx
from hato.store.sqlite import engine
from hato.store.sqlite.engine import READ_CACHE_KIB, Database


def _sqlite_memory_used() -> int:
    """Bytes the SQLite library holds (its own count), when Python's sqlite3 module uses
    the system library, the one ctypes finds; else the test is skipped."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        pytest.skip("no SQLite library for ctypes")
    library = ctypes.CDLL(name)
    library.sqlite3_libversion.restype = ctypes.c_char_p
    if library.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        pytest.skip("Python's sqlite3 module does not use the system's SQLite")
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return int(library.sqlite3_memory_used())


async def _cache_size(tx: Tx) -> Row | None:
    return await tx.one("PRAGMA cache_size")


async def test_a_read_connection_keeps_a_small_cache(tmp_path: Path) -> None:
    database = Database(tmp_path / "s.sqlite3", Notifier())
    try:
        inline = await database.read(_cache_size, size=1)
        pooled = await database.read(_cache_size)
    finally:
        await database.close()
    assert inline == pooled == (-READ_CACHE_KIB,)


async def _fill(tx: Tx) -> None:
    await tx.run("CREATE TABLE IF NOT EXISTS filler (x BLOB)")
    await tx.many("INSERT INTO filler VALUES (randomblob(1000))", [()] * 3000)


async def test_the_writer_gives_its_cache_back_when_idle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "RELEASE_AFTER", 0.05)
    before = _sqlite_memory_used()
    database = Database(tmp_path / "s.sqlite3", Notifier())
    try:
        await database.write(_fill)
        busy = _sqlite_memory_used()
        await asyncio.sleep(0.5)
        idle = _sqlite_memory_used()
    finally:
        await database.close()
    assert busy - before > 1_000_000  # the 3 MB written passed through a 2 MB cache
    assert idle - before < (busy - before) / 4


async def _scan(tx: Tx) -> Row | None:
    return await tx.one("SELECT sum(length(x)) FROM filler")


async def test_the_readers_give_their_caches_back_when_reads_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both kinds of read connection: the event loop's (a small read) and the pool's."""
    monkeypatch.setattr(engine, "RELEASE_AFTER", 0.2)
    database = Database(tmp_path / "s.sqlite3", Notifier())
    try:
        await database.write(_fill)
        await asyncio.sleep(0.5)  # the writer's cache given back
        before = _sqlite_memory_used()
        assert await database.read(_scan, size=1) == await database.read(_scan) == (3_000_000,)
        busy = _sqlite_memory_used()
        for _ in range(20):  # reads that keep coming put the release off
            await asyncio.sleep(0.02)
            await database.read(_cache_size, size=1)
        assert _sqlite_memory_used() > before + (busy - before) / 2
        await asyncio.sleep(0.6)
        idle = _sqlite_memory_used()
    finally:
        await database.close()
    assert busy - before > 2 * (READ_CACHE_KIB - 64) * 1024  # each cache full
    assert idle - before < (busy - before) / 4
