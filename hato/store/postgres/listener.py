"""Cross-node change notifications: one LISTEN connection per process.

Every write that changed mailboxes sends ``NOTIFY hato_changes, '<node>:<ids>'``
at commit (engine.py). Each process keeps one connection listening on that
channel and hands the mailbox ids of other nodes' changes to its in-process
``Notifier``, which wakes IDLE and the untagged updates of the sessions
subscribed to them: no session ever polls the database. Its own notifications
(same node token) are skipped; the engine published those already. When the
connection drops, the listener reconnects with a growing delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

from hato.store.notify import Notifier

__all__ = ["CHANNEL", "Listener", "parse_payload"]

CHANNEL = "hato_changes"
_log = logging.getLogger(__name__)


def parse_payload(payload: str) -> tuple[str, list[int]]:
    """``'<node>:<id>,<id>'`` -> (node, ids); a malformed payload gives no ids."""
    node, _, ids = payload.partition(":")
    try:
        return node, [int(i) for i in ids.split(",") if i]
    except ValueError:
        return node, []


class Listener:
    """Feeds other nodes' change notifications into ``notifier``."""

    def __init__(self, url: str, node: str, notifier: Notifier) -> None:
        self._url = url
        self._node = node
        self._notifier = notifier
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
        delay = 0.1
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                _log.warning("hato: change listener lost its connection: %s", exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self._ready.set()
            async for notify in conn.notifies():
                node, ids = parse_payload(notify.payload)
                if node != self._node and ids:
                    self._notifier.publish(ids)
