"""An import's writes one batch behind its reading: the store commits a batch while
the next one is read and parsed.

Reading a file and parsing it for storage is the importing thread's work; the
transaction that stores a batch is the store's (SQLite's writer thread, mostly in
SQLite's own code, which lets the interpreter's lock go). Done one after the other,
each waits for the other; overlapped, the import takes about the longer of the two.

At most one write is under way: ``start`` first waits for the one before to be
committed (and its outcome counted), so at most two batches are in memory, the one
being written and the one being filled, and batches are committed in order. The
first step of the new write runs at once (one turn of the event loop), which hands
its job to SQLite's writer thread before the parsing takes the loop again; a store
whose writes need the loop all along (PostgreSQL) goes on with it at the next
``start``: no overlap there, and nothing lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from types import TracebackType
from typing import Any

__all__ = ["WriteBehind"]


class WriteBehind:
    """``async with WriteBehind() as writes: await writes.start(coroutine)`` (module doc);
    leaving the block waits for the last write, also when the block failed."""

    def __init__(self) -> None:
        self._pending: asyncio.Task[None] | None = None

    async def start(self, write: Coroutine[Any, Any, None]) -> None:
        """Wait for the write before, then set ``write`` going."""
        await self.finish()
        self._pending = asyncio.ensure_future(write)
        await asyncio.sleep(0)  # its first step: the job is queued for the writer

    async def finish(self) -> None:
        """Wait until the write under way, if any, is done (its error raised here)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            await pending

    async def __aenter__(self) -> WriteBehind:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.finish()
