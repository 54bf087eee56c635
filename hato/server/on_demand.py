"""A listener whose protocol is loaded when its first connection arrives.

The web console (aiohttp, Jinja2 and hato.web: about 4 MB of a fresh ``hato serve``'s
memory) is loaded by the first connection to its port, not at start: a server that
serves mail and never a page does not hold it. The port listens from the start, so
nothing is refused meanwhile: each connection made while the console loads waits with
its reading paused (its bytes wait in the socket) and is handed to the console's
protocol once it is there, in the order they came.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from hato.server.gate import ForwardingProtocol

__all__ = ["OnDemand"]

log = logging.getLogger(__name__)

ProtocolFactory = Callable[[], Any]


class OnDemand:
    """A protocol factory for ``create_server`` (behind the gate) whose real factory,
    ``load()``'s result, is made once, when the first connection arrives. A failed load
    is logged and closes the connections that waited; the next connection tries again."""

    def __init__(self, load: Callable[[], Awaitable[ProtocolFactory]], what: str) -> None:
        self._load = load
        self._what = what  # for the log: "the web console"
        self._make: ProtocolFactory | None = None
        self._loading: asyncio.Task[None] | None = None
        self._waiting: list[_Waiting] = []

    @property
    def loaded(self) -> bool:
        return self._make is not None

    def __call__(self) -> Any:
        if self._make is not None:
            return self._make()
        return _Waiting(self)

    def wait(self, waiting: _Waiting) -> None:
        self._waiting.append(waiting)
        if self._loading is None:
            self._loading = asyncio.get_running_loop().create_task(self._run())

    def gone(self, waiting: _Waiting) -> None:
        if waiting in self._waiting:
            self._waiting.remove(waiting)

    def cancel(self) -> None:
        """At shutdown: stop a load under way; the connections waiting for it close."""
        if self._loading is not None:
            self._loading.cancel()

    async def _run(self) -> None:
        try:
            made = await self._load()
        except BaseException as error:
            self._loading = None
            for waiting in self._take_waiting():
                waiting.close()
            if not isinstance(error, Exception):
                raise
            log.exception("%s could not be loaded", self._what)
            return
        self._make = made
        for waiting in self._take_waiting():
            waiting.begin(made())

    def _take_waiting(self) -> list[_Waiting]:
        waiting, self._waiting = self._waiting, []
        return waiting


class _Waiting(ForwardingProtocol):
    """A connection made before the real protocol was loaded: paused until then (no data
    arrives), and afterwards every call goes on to the real one."""

    def __init__(self, owner: OnDemand) -> None:
        self._owner = owner
        self._transport: asyncio.Transport | None = None
        self._inner: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.pause_reading()
        self._owner.wait(self)

    def begin(self, inner: Any) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        self._inner = inner
        inner.connection_made(transport)
        transport.resume_reading()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is None:
            self._owner.gone(self)
            return
        self._inner.connection_lost(exc)
