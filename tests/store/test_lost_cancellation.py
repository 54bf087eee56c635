"""A stop ends the server's background tasks even when their cancellation is lost.

Python 3.11's ``asyncio.wait_for`` drops a cancellation that comes just as what it waits
for is done; psycopg_pool waits so for a connection, and a ``hato serve`` stopped while
its queue runner waited for one went on running (a SIGTERM right after a restart on
PostgreSQL hung until it was killed). The store below loses the cancellation that comes
while its first call waits, as the pool did; the indexer's and the queue runner's
``stop`` cancel again until their task ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from hato.config import Config
from hato.delivery.queue import QueueRunner
from hato.server.indexer import Indexer
from hato.store import Store


class _LosingACancellation:
    """The store, whose first call to ``name`` waits, and loses a cancellation meanwhile."""

    def __init__(self, store: Store, name: str) -> None:
        self._store = store
        self._name = name
        self.waiting = asyncio.Event()
        self.lost = 0

    def __getattr__(self, name: str) -> object:
        found = getattr(self._store, name)
        if name != self._name or self.waiting.is_set():
            return found

        async def losing(*args: object) -> object:
            self.waiting.set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                self.lost += 1  # as wait_for does when the connection came at that moment
            return await found(*args)

        return losing


async def _stopped(stop: Callable[[], Awaitable[None]]) -> float:
    """Seconds ``stop`` took; a limit cancels a stop that waits on (the await cancels the
    task it waits for then, so that the stop returns: late)."""
    started = time.monotonic()
    async with asyncio.timeout(10):
        await stop()
    return time.monotonic() - started


async def test_the_indexer_stops_though_a_cancellation_was_lost(store: Store) -> None:
    losing = _LosingACancellation(store, "unindexed_bodies")
    indexer = Indexer(losing)  # type: ignore[arg-type]
    indexer.start()
    await losing.waiting.wait()  # its look at start, waiting for a connection
    assert await _stopped(indexer.stop) < 5
    assert losing.lost == 1


async def test_the_queue_runner_stops_though_a_cancellation_was_lost(
    store: Store, tmp_path: Path
) -> None:
    losing = _LosingACancellation(store, "queue_due")
    runner = QueueRunner(losing, Config(data_dir=tmp_path))  # type: ignore[arg-type]
    runner.start()
    await losing.waiting.wait()  # its first pass, waiting for a connection
    assert await _stopped(runner.stop) < 5
    assert losing.lost == 1
