"""A server-wide budget of bytes held in memory at once (the limits invariant of
docs/architecture.md).

Each IMAP connection may APPEND messages up to the size limit; many at once
would each load theirs (parse it, store it) at the same time.  `ByteBudget`
lets work that holds a message's bytes start only while the total held stays
within the budget; the rest wait their turn, first come first served, so
memory follows the budget, not the number of clients.  A request larger
than the whole budget waits until it can take all of it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["IN_FLIGHT", "PARSED", "ByteBudget"]

IN_FLIGHT = 64 * 1024 * 1024  # bytes all APPENDs may hold at once
#: Bytes of memory per byte of a message while it is parsed and stored: its bytes, its
#: decoded text kept for the full-text index (as large for a text message), and the
#: case-mapped copy made of that text (hato.mime.indexed_text). Work that parses a
#: message holds its size times this.
PARSED = 3


class ByteBudget:
    """Bytes held under `hold()`, never more than `capacity` (one request may take it all)."""

    def __init__(self, capacity: int = IN_FLIGHT) -> None:
        self.capacity = capacity
        self.held = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    @asynccontextmanager
    async def hold(self, size: int) -> AsyncIterator[None]:
        size = min(size, self.capacity)
        await self._acquire(size)
        try:
            yield
        finally:
            self.held -= size
            self._grant()

    async def _acquire(self, size: int) -> None:
        if not self._waiting and self.held + size <= self.capacity:
            self.held += size
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append((size, turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # granted, then cancelled: give back
                self.held -= size
            self._grant()
            raise

    def _grant(self) -> None:
        """Wake waiters in order while the first of them fits."""
        while self._waiting:
            size, turn = self._waiting[0]
            if turn.cancelled():
                self._waiting.popleft()
                continue
            if self.held + size > self.capacity:
                return
            self._waiting.popleft()
            self.held += size
            turn.set_result(None)
