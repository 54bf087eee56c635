"""The server's full-text indexer: delivery answers first, the index follows.

SMTP, LMTP and submission store a message without its searchable text (decoding
every text part, mapping its case and listing its words is about half of what
parsing a message for storage costs, and writing the trigram index a row at a time
is most of the store's work for it), so the ``250`` comes sooner; the store publishes
``INDEX_CHANNEL`` after such a commit, and this task indexes what waits, in batches
(``hato.store.indexing.index_backlog``), parsing each message again for its text alone
(the parse is repeated: under a load that never pauses, indexing this way costs a
little more CPU in all than indexing at delivery did; a burst is delivered faster).

When: once deliveries have paused for ``quiet`` seconds, so that a burst of mail is
delivered at full speed and indexed right after it; under a load that never pauses,
once the oldest waiting message has waited ``longest`` seconds, and then without
pausing until nothing waits. Meanwhile SEARCH BODY and TEXT read the few messages not
indexed yet as they would without an index (``hato.store.sql.text``): the answers are
the same. At start, mail left waiting (a stop before the indexer caught up, mail from
while ``[search] index = false``, mail from before the index) is indexed the same way.
A pass that fails (the store unavailable) is logged, and tried again ``retry`` seconds
later. After each pass ``done`` is called: the server gives the memory the batches held
back to the system then (hato.server.malloc's ``Trimmer``): the heap pages the
batches' parsing freed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hato.logs import event
from hato.store import Store
from hato.store.indexing import index_backlog
from hato.store.notify import INDEX_CHANNEL, Subscription
from hato.tasks import cancel_until_done

__all__ = ["Indexer"]

log = logging.getLogger("hato.index")
#: Bodies a batch at most: small, for what a batch's parse leaves in the heap of a
#: server that keeps running (after 2,000 messages of 7.5 KB, before the trim: 1.4 MB
#: more in use with batches of 16, 2.3 with 32, 11 with 256), at some cost in time (a
#: write of its own a batch: the 2,000 took 2.1 s instead of 1.5 with batches of 256).
BATCH = 16
T = TypeVar("T")


class Indexer:
    """Indexes the bodies delivery stored without their text, soon after (module doc)."""

    def __init__(
        self,
        store: Store,
        quiet: float = 1.0,
        longest: float = 10.0,
        retry: float = 30.0,
        done: Callable[[], object] = lambda: None,
    ) -> None:
        self.store = store
        self.done = done
        self.quiet = quiet
        self.longest = longest
        self.retry = retry
        self._last = 0.0  # monotonic time of the latest change heard of
        self._oldest: float | None = None  # ... of the first since the last pass began
        self._changes: Subscription | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Listen for stored bodies, and index those already waiting."""
        self._changes = self.store.notifier.subscribe(INDEX_CHANNEL)
        self._task = asyncio.create_task(self._run(), name="indexer")

    async def stop(self) -> None:
        """Cancel the task, and again until it ends (``hato.tasks``: one can be lost)."""
        await cancel_until_done(self._task)
        if self._changes is not None:
            self._changes.close()

    async def _run(self) -> None:
        assert self._changes is not None
        await self._catch_up()
        while True:
            await self._changes.wait()
            self._heard()
            await self._pause(self._since())
            await self._until_done(self._pass)

    async def _catch_up(self) -> None:
        """The pass at start: mail left waiting is indexed, a note logged if there was."""
        if await self._until_done(lambda: self.store.unindexed_bodies(0, 1)):
            event(log, logging.INFO, "index", state="catching-up")
            done = await self._until_done(self._pass)
            event(log, logging.INFO, "index", state="caught-up", indexed=done)

    def _heard(self) -> None:
        now = time.monotonic()
        self._last = now
        if self._oldest is None:
            self._oldest = now

    def _since(self) -> float:
        return time.monotonic() if self._oldest is None else self._oldest

    async def _pause(self, waiting_since: float) -> None:
        """Until deliveries have paused for ``quiet`` seconds, or what waits since
        ``waiting_since`` has waited ``longest``: a change heard meanwhile pushes the
        first back, never the second."""
        assert self._changes is not None
        while True:
            if self._changes.changed.is_set():  # a delivery since: its body is seen later
                self._changes.changed.clear()
                self._heard()
            at = min(self._last + self.quiet, waiting_since + self.longest)
            if at <= (now := time.monotonic()):
                return
            await asyncio.sleep(at - now)

    async def _pass(self) -> int:
        """Index everything waiting, pausing between batches while deliveries are busy
        (but not past the deadline of what waited when the pass began); how many."""
        since = self._since()
        self._oldest = None  # from here on: mail for this pass or the next
        started = time.monotonic()
        try:
            pause = lambda: self._pause(since)  # noqa: E731
            done = await index_backlog(self.store, between=pause, batch=BATCH)
        finally:
            self.done()
        log.debug("index: %d bodies in %.2f s", done, time.monotonic() - started)
        return done

    async def _until_done(self, work: Callable[[], Awaitable[T]]) -> T:
        """``work`` until it succeeds: a failure (the store unavailable, say) is logged
        and tried again ``retry`` seconds later."""
        while True:
            try:
                return await work()
            except Exception as error:
                reason = str(error) or type(error).__name__
                event(log, logging.WARNING, "index", state="failed", error=reason)
            await asyncio.sleep(self.retry)
