"""A cache with a limit: what it keeps, counted by a measure of its own, never passes it.

The least recently used entry goes first; an entry above a quarter of the limit is not
kept at all (it would push out many others for one). Every cache hato keeps for speed is
one of these, so that each has a bound and one test of the bound covers them all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar, overload

__all__ = ["SizedLru"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class SizedLru(Generic[K, V]):
    """At most ``limit`` in all, each entry counted as ``measure(value)`` (at least 1)."""

    def __init__(self, limit: int, measure: Callable[[V], int]) -> None:
        self.limit = limit
        self.size = 0
        self._measure = measure
        self._kept: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    def get(self, key: K, default: Any = None) -> Any:
        """The value kept under ``key`` (now the most recently used), else ``default``."""
        found = self._kept.get(key)
        if found is None:
            return default
        self._kept.move_to_end(key)
        return found[0]

    def keep(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key``, unless it is too large or the key is kept already."""
        size = max(self._measure(value), 1)
        if size > self.limit // 4 or key in self._kept:
            return
        self._kept[key] = (value, size)
        self.size += size
        while self.size > self.limit:
            self.size -= self._kept.popitem(last=False)[1][1]
