"""The failed-login throttle, shared by every protocol.

Each failure from an address, and each failure against an account, doubles the
delay the next attempt from that address or against that account waits before
it is answered (``base * 2**(failures-1)``, capped at ``maximum``). The wait is
an ``await`` in the failing session only: other clients are never blocked. A
success clears the address and the account. Entries are forgotten after
``window`` seconds without failures, and the table is bounded in size.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    def __init__(
        self,
        base: float = 0.5,
        maximum: float = 15.0,
        window: float = 900.0,
        capacity: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.maximum = maximum
        self.window = window
        self.capacity = capacity
        self._clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def delay(self, address: str, account: str | None) -> float:
        """Seconds to wait before answering the next attempt."""
        count = max(self._count(f"ip:{address}"), self._count(_account_key(account)))
        if count == 0:
            return 0.0
        return float(min(self.maximum, self.base * 2 ** (count - 1)))

    def failed(self, address: str, account: str | None) -> None:
        for key in (f"ip:{address}", _account_key(account)):
            if key:
                self._bump(key)

    def succeeded(self, address: str, account: str | None) -> None:
        for key in (f"ip:{address}", _account_key(account)):
            self._failures.pop(key, None)

    def _count(self, key: str) -> int:
        entry = self._failures.get(key)
        if entry is None:
            return 0
        count, last = entry
        if self._clock() - last > self.window:
            del self._failures[key]
            return 0
        return count

    def _bump(self, key: str) -> None:
        count = self._count(key)
        self._failures[key] = (count + 1, self._clock())
        self._failures.move_to_end(key)
        while len(self._failures) > self.capacity:
            self._failures.popitem(last=False)


def _account_key(account: str | None) -> str:
    return f"user:{account.lower()}" if account else ""
