"""SQLite-specific: the writer thread's group commit (hato/store/sqlite/engine.py).

Jobs queued while a transaction is being made durable run together in the next one, each
inside its own SAVEPOINT, so that a failing job undoes only its own writes, alone or among
others, and the writer goes on."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hato.store.notify import Notifier
from hato.store.sql.tx import Row, Tx
from hato.store.sqlite import engine
from hato.store.sqlite.engine import Database


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the connections the test opens run, in order."""
    seen: list[str] = []
    connect = engine._connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(engine, "_connect", traced)
    yield seen


async def _table(tx: Tx) -> None:
    await tx.run("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY)")


def _insert(n: int, then: Exception | None = None, wait: float = 0.0) -> Any:
    async def work(tx: Tx) -> int:
        await tx.run("INSERT INTO t (n) VALUES (?)", (n,))
        time.sleep(wait)  # noqa: ASYNC251 - run on the writer thread, kept busy: a batch forms
        if then is not None:
            raise then
        return n

    return work


async def _numbers(tx: Tx) -> list[Row]:
    return await tx.all("SELECT n FROM t ORDER BY n")


def _transactions(statements: list[str]) -> list[list[str]]:
    """The writer's transactions, each as its statements' first words."""
    found: list[list[str]] = []
    for text in statements:
        words = " ".join(text.split()[:2])
        if words == "BEGIN IMMEDIATE":
            found.append([])
        elif found and not text.startswith(("SELECT", "PRAGMA", "BEGIN")):
            found[-1].append(words)
    return found


async def test_a_lone_failing_write_leaves_nothing_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    database = Database(tmp_path / "s.sqlite3", Notifier())
    try:
        await database.write(_table)
        with pytest.raises(ValueError, match="refused"):
            await database.write(_insert(1, ValueError("refused")))
        assert await database.write(_insert(2)) == 2
        with pytest.raises(Exception, match="UNIQUE"):  # SQLite's own failure, alone too
            await database.write(_insert(2))
        assert await database.write(_insert(3)) == 3
        numbers = await database.read(_numbers)
    finally:
        await database.close()
    assert numbers == [(2,), (3,)]


async def test_a_failing_job_in_a_batch_undoes_only_its_own_writes(
    tmp_path: Path, statements: list[str]
) -> None:
    database = Database(tmp_path / "s.sqlite3", Notifier())
    try:
        await database.write(_table)
        first = asyncio.ensure_future(database.write(_insert(1, wait=0.3)))
        await asyncio.sleep(0.1)  # the first job holds the writer: the next three queue up
        results = await asyncio.gather(
            database.write(_insert(2)),
            database.write(_insert(3, ValueError("refused"))),
            database.write(_insert(4)),
            return_exceptions=True,
        )
        assert await first == 1
        numbers = await database.read(_numbers)
    finally:
        await database.close()
    assert results[0] == 2 and isinstance(results[1], ValueError) and results[2] == 4
    assert numbers == [(1,), (2,), (4,)]
    batched = [t for t in _transactions(statements) if t.count("INSERT INTO") >= 3]
    assert batched and batched[0].count("SAVEPOINT job") == batched[0].count("INSERT INTO")
    assert "ROLLBACK TO" in batched[0]
