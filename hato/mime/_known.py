"""Answers kept for the header values mail repeats: a part's Content-* fields
(``text/plain; charset=utf-8``), a correspondent's address, the mailbox owner's.

Every parse would read them anew, and that was about a quarter of what parsing a message
for storage cost. ``Known(work, size)`` is ``work``, a pure function of one hashable key,
with its answers kept for the keys of at most ``KNOWN_CHARS`` characters (as ``size``
counts them), ``KNOWN`` answers at most, the least recently used going first; a longer
key is answered anew every time. So what is kept is bounded whatever the mail (a
hostile message can only push useful answers out). Answers must be immutable: every
caller shares one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Generic, TypeVar

__all__ = ["KNOWN", "KNOWN_CHARS", "Known"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

KNOWN = 256
KNOWN_CHARS = 200


class Known(Generic[K, V]):
    """``work`` with the answers for short keys kept (module docstring); ``kept`` is the
    ``functools.lru_cache`` that keeps them (``cache_info()``, ``cache_clear()``)."""

    def __init__(self, work: Callable[[K], V], size: Callable[[K], int]) -> None:
        self.work = work
        self.size = size
        self.kept = lru_cache(maxsize=KNOWN)(work)

    def __call__(self, key: K) -> V:
        return self.kept(key) if self.size(key) <= KNOWN_CHARS else self.work(key)
