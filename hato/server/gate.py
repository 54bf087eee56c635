"""Per-address connection limits, for all listeners (the limits invariant of
docs/architecture.md)."""

from __future__ import annotations

from collections import Counter

__all__ = ["ConnectionGate"]


class ConnectionGate:
    """Counts open connections per client address; refuses those over the limit."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._open: Counter[str] = Counter()

    def enter(self, address: str) -> bool:
        if self._open[address] >= self.per_address:
            return False
        self._open[address] += 1
        return True

    def leave(self, address: str) -> None:
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]

    def count(self, address: str) -> int:
        return self._open[address]
