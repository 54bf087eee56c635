"""Per-address connection limits, for all listeners (the limits invariant of
docs/architecture.md)."""

from __future__ import annotations

from collections import Counter

from hato.auth.clients import client_key

__all__ = ["ConnectionGate"]


class ConnectionGate:
    """Counts open connections per client (an IPv6 client is its /64: hato/auth/clients.py);
    refuses those over the limit."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._open: Counter[str] = Counter()

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

    def count(self, address: str) -> int:
        return self._open[client_key(address)]
