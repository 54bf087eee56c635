"""Listeners whose protocol is loaded when their first connection arrives.

The web console (aiohttp, Jinja2 and hato.web: about 4 MB of a fresh ``hato serve``'s
memory) is loaded by the first connection to its port, not at start: a server that
serves mail and never a page does not hold it. So are the IMAP sessions (hato.imap and
hato.proto.imap, about 2 MB) and ManageSieve's (with the Sieve compiler). The ports
listen from the start, so nothing is refused meanwhile: each connection made while its
protocol loads waits, its bytes in the socket, and is served once the protocol is
there. ``Loading`` is the load, made once; ``OnDemand`` the asyncio protocol factory
(the console's), ``OnDemandStream`` the stream listener's handler (IMAP's and
ManageSieve's).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, cast

from hato.server.gate import ForwardingProtocol
from hato.server.listener import Connection, Handler

__all__ = ["Loading", "OnDemand", "OnDemandStream"]

log = logging.getLogger(__name__)

ProtocolFactory = Callable[[], Any]
T = TypeVar("T")


class Loading(Generic[T]):
    """``load()``'s result, made once, by the first ``get``: whoever asks while it loads
    waits for the same load. A failed load is logged (``what`` names it: "the web
    console") and raised to each of them; the next ``get`` tries again."""

    def __init__(self, load: Callable[[], Awaitable[T]], what: str) -> None:
        self._load = load
        self._what = what
        self._made: list[T] = []  # the result, once there is one
        self._task: asyncio.Task[T] | None = None

    @property
    def loaded(self) -> bool:
        return bool(self._made)

    async def get(self) -> T:
        if self._made:
            return self._made[0]
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        # shielded: one waiter that goes away (its connection closed) stops no load
        return await asyncio.shield(self._task)

    def cancel(self) -> None:
        """At shutdown: stop a load under way; whoever waits for it gets CancelledError."""
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> T:
        try:
            made = await self._load()
        except Exception:
            log.exception("%s could not be loaded", self._what)
            raise
        finally:
            self._task = None  # a failure is tried again; a success is kept below
        self._made.append(made)
        return made


class OnDemand:
    """A protocol factory for ``create_server`` (behind the gate) whose real factory,
    ``load()``'s result, is made once, when the first connection arrives. A failed load
    is logged and closes the connections that waited; the next connection tries again."""

    def __init__(self, load: Callable[[], Awaitable[ProtocolFactory]], what: str) -> None:
        self._loading = Loading(load, what)
        self._make: ProtocolFactory | None = None
        self._handing: asyncio.Task[None] | None = None  # hands the waiting on, once loaded
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
        if self._handing is None:
            self._handing = asyncio.get_running_loop().create_task(self._run())

    def gone(self, waiting: _Waiting) -> None:
        if waiting in self._waiting:
            self._waiting.remove(waiting)

    def cancel(self) -> None:
        """At shutdown: stop a load under way; the connections waiting for it close."""
        self._loading.cancel()

    async def _run(self) -> None:
        try:
            made = await self._loading.get()
        except BaseException as error:
            self._handing = None
            for waiting in self._take_waiting():
                waiting.close()
            if not isinstance(error, Exception):
                raise
            return  # logged by the load
        self._make = made
        for waiting in self._take_waiting():
            waiting.begin(made())

    def _take_waiting(self) -> list[_Waiting]:
        waiting, self._waiting = self._waiting, []
        return waiting


class _Waiting(ForwardingProtocol):
    """A connection made before the real protocol was loaded: paused until then, and
    afterwards every call goes on to the real one. What arrived before the pause took
    hold (uvloop may have read the first bytes before ``connection_made``) is kept, and
    given to the real protocol first."""

    def __init__(self, owner: OnDemand) -> None:
        self._owner = owner
        self._transport: asyncio.Transport | None = None
        self._inner: Any = None
        self._early: list[bytes] = []
        self._early_eof = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's: no subclass
        self._transport.pause_reading()
        self._owner.wait(self)

    def data_received(self, data: bytes) -> None:
        if self._inner is None:
            self._early.append(data)  # at most one read's worth: reading is paused
        else:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self._inner is None:
            self._early_eof = True
            return True  # the real protocol decides, once it has the bytes
        return super().eof_received()

    def begin(self, inner: Any) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        self._inner = inner
        inner.connection_made(transport)
        early, self._early = self._early, []
        for data in early:
            inner.data_received(data)
        if self._early_eof and not inner.eof_received():
            transport.close()
            return
        transport.resume_reading()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is None:
            self._owner.gone(self)
            return
        self._inner.connection_lost(exc)


class OnDemandStream:
    """A stream listener's handler (hato.server.listener) whose real one, ``load()``'s
    result, is made by the first connection. A connection accepted meanwhile waits, what
    it sent kept in its reader; after a failed load it is closed (the load is logged)."""

    def __init__(self, load: Callable[[], Awaitable[Handler]], what: str) -> None:
        self._loading = Loading(load, what)

    @property
    def loaded(self) -> bool:
        return self._loading.loaded

    async def __call__(self, connection: Connection) -> None:
        try:
            handler = await self._loading.get()
        except Exception:
            return  # the listener closes the connection
        await handler(connection)

    def cancel(self) -> None:
        """At shutdown: stop a load under way; the connections waiting for it close."""
        self._loading.cancel()
