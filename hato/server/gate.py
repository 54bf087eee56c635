"""Per-address connection limits, for all listeners (the limits invariant of
docs/architecture.md)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any, cast

from hato.auth.clients import client_key

__all__ = ["ConnectionGate", "ForwardingProtocol", "GatedProtocol"]


class ConnectionGate:
    """Counts open connections per client (an IPv6 client is its /64: hato/auth/clients.py);
    refuses those over the limit. ``left`` is called after each connection left (the
    server gives freed memory back then: hato/server/malloc.py)."""

    def __init__(self, per_address: int, left: Callable[[], None] | None = None) -> None:
        self.per_address = per_address
        self._open: Counter[str] = Counter()
        self._left = left

    def enter(self, address: str) -> bool:
        client = client_key(address)
        if self._open[client] >= self.per_address:
            return False
        self._open[client] += 1
        return True

    def leave(self, address: str) -> None:
        client = client_key(address)
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]
        if self._left is not None:
            self._left()

    def count(self, address: str) -> int:
        return self._open[client_key(address)]


#: What a client over its limit gets on the web console's listener before the connection
#: closes: RFC 9110 §15.6.4 (the server cannot take it now), no body.
HTTP_TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\n"
    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
)


class ForwardingProtocol(asyncio.Protocol):
    """A protocol in front of another (``_inner``, once there is one), to which it hands
    on the calls it does not handle itself."""

    _inner: Any = None

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()


class GatedProtocol(ForwardingProtocol):
    """A protocol (the web server's) behind the gate: over the limit, ``refusal`` is
    written and the connection closed before ``make()``'s protocol ever sees it; else
    every call goes on to that protocol, and its close leaves the gate."""

    def __init__(self, gate: ConnectionGate, make: Callable[[], Any], refusal: bytes) -> None:
        self._gate = gate
        self._make = make
        self._refusal = refusal
        self._inner: Any = None
        self._peer = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        writable = cast(asyncio.Transport, transport)  # uvloop's are no subclass of it
        self._peer = str((writable.get_extra_info("peername") or ("",))[0])
        if not self._gate.enter(self._peer):
            writable.write(self._refusal)
            writable.close()
            return
        self._inner = self._make()
        self._inner.connection_made(writable)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is not None:
            self._gate.leave(self._peer)
            self._inner.connection_lost(exc)
