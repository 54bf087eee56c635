"""The lab's record: what the class monitor saw, kept in the store so that a restart of
``hato serve`` (or another node's console) still shows the day's transcripts and the
checklist.

The server starts one ``LabRecorder`` with the monitor: first it gives the monitor the
steps done so far and the sessions closed within ``keep_seconds`` (and deletes older
ones); then, every ``interval`` seconds and once more at stop, it writes the sessions
closed and the steps done since its last look. Writing happens off the sessions' path:
the monitor only marks what is new, a session never waits for the store. If the store
cannot take them now, they are offered again at the next look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque

from hato.classroom.checklist import Conversation
from hato.classroom.monitor import ClassMonitor, LiveSession, ShownLine
from hato.session.trace import TraceLine
from hato.store.base import LabSession, Store, StoreError

__all__ = ["LabRecorder", "lab_session", "live_session"]

log = logging.getLogger(__name__)


def lab_session(session: LiveSession) -> LabSession:
    """A closed session as the store keeps it."""
    assert session.account is not None and session.closed_at is not None
    lines = tuple((s.line.direction, s.line.text, s.line.at) for s in session.lines)
    return LabSession(
        session.account, session.label, session.service, session.peer, session.tls,
        session.opened_at, session.closed_at, lines,
    )  # fmt: skip


def live_session(record: LabSession, max_lines: int) -> LiveSession:
    """A kept session for the pages: its refused commands found again by reading its
    lines as the monitor read them."""
    session = LiveSession(
        record.label, record.service, record.peer, record.tls, record.opened,
        account=record.account, closed_at=record.closed, saved=True,
    )  # fmt: skip
    conversation = Conversation(session.protocol)
    shown: deque[ShownLine] = deque(maxlen=max_lines)
    for direction, text, at in record.lines:
        exchange = conversation.feed(direction, text) if direction != "*" else None
        refused = exchange if exchange is not None and not exchange.positive else None
        shown.append(ShownLine(TraceLine(direction, text, at), refused))
    session.lines = shown
    return session


class LabRecorder:
    def __init__(
        self, store: Store, monitor: ClassMonitor, keep_seconds: float, interval: float = 5.0
    ) -> None:
        self.store = store
        self.monitor = monitor
        self.keep_seconds = keep_seconds
        self.interval = interval

    async def load(self) -> None:
        """The record so far, into the monitor; what is past its time, deleted."""
        since = time.time() - self.keep_seconds
        await self.store.prune_lab_sessions(since)
        kept = await self.store.lab_sessions(since)
        lines = self.monitor.session_lines
        self.monitor.restore(
            await self.store.lab_steps(), [live_session(record, lines) for record in kept]
        )

    async def save(self) -> None:
        """Write what the monitor saw since the last look; on a store failure, keep it
        for the next."""
        sessions, steps = self.monitor.unsaved()
        try:
            for account, done in steps.items():
                await self.store.save_lab_steps(account, done)
            while sessions:
                await self.store.save_lab_session(lab_session(sessions[0]))
                sessions.pop(0)
        except StoreError as error:
            log.warning("lab record not written now (%s): tried again later", error)
            self.monitor.requeue(sessions, steps)

    async def run(self) -> None:
        """Save every ``interval`` seconds, prune once an hour, until cancelled."""
        pruned = time.monotonic()
        while True:
            await asyncio.sleep(self.interval)
            await self.save()
            if time.monotonic() - pruned > 3600:
                pruned = time.monotonic()
                with contextlib.suppress(StoreError):
                    await self.store.prune_lab_sessions(time.time() - self.keep_seconds)
