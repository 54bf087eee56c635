"""Cross-node change notifications: one LISTEN connection per process.

Every write that changed mailboxes sends ``NOTIFY hato_changes, '<node>:<ids>'``
at commit (engine.py). Each process keeps one connection listening on that
channel and hands the mailbox ids of other nodes' changes to its in-process
``Notifier``, which wakes IDLE and the untagged updates of the sessions
subscribed to them: no session ever polls the database. Its own notifications
(same node token) are skipped; the engine published those already. When the
connection drops, the listener reconnects at once and then every
``_RETRY`` seconds, telling the store's availability when it cannot (so an
outage is logged even when no client is asking); notifications sent while it
was away are lost, so once listening again it wakes every subscriber, and each
asks the store what changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from hato.store.availability import Availability
from hato.store.base import StoreUnavailable
from hato.store.notify import Notifier
from hato.store.postgres.causes import describe

__all__ = ["CHANNEL", "Listener", "parse_payload"]

CHANNEL = "hato_changes"
_RETRY = 0.5
_log = logging.getLogger(__name__)

Connect = Callable[[], Awaitable[psycopg.AsyncConnection[Any]]]


def parse_payload(payload: str) -> tuple[str, list[int]]:
    """``'<node>:<id>,<id>'`` -> (node, ids); a malformed payload gives no ids."""
    node, _, ids = payload.partition(":")
    try:
        return node, [int(i) for i in ids.split(",") if i]
    except ValueError:
        return node, []


class Listener:
    """Feeds other nodes' change notifications into ``notifier``."""

    def __init__(
        self, node: str, notifier: Notifier, availability: Availability, connect: Connect
    ) -> None:
        self._node = node
        self._notifier = notifier
        self._availability = availability
        self._connect = connect
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        """Start listening; return once the first LISTEN is in place."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="hato-pg-listener")
        await self._ready.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                conn = await self._connect()
            except psycopg.Error as exc:
                self._availability.failed(StoreUnavailable(describe(exc)))
                await asyncio.sleep(_RETRY)
                continue
            try:
                await self._listen(conn)
            except (psycopg.Error, OSError) as exc:
                _log.debug("change listener lost its connection: %s", exc)

    async def _listen(self, conn: psycopg.AsyncConnection[Any]) -> None:
        async with conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self._availability.worked()
            if self._ready.is_set():
                self._notifier.publish_all()  # what was sent meanwhile is lost
            self._ready.set()
            async for notify in conn.notifies():
                node, ids = parse_payload(notify.payload)
                if node != self._node and ids:
                    self._notifier.publish(ids)
