"""Flags as stored: a bit mask of the system flags plus a sorted keyword list.

The bit mask keeps \\Seen and \\Deleted cheap to count and search in SQL
(``system_flags & 1`` is "seen") on mailboxes of 100,000 messages.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from hato.store.base import SYSTEM_FLAGS, FlagMode

__all__ = ["DELETED", "SEEN", "changed_flags", "flags_from_columns", "flags_to_columns"]

_BITS = {flag.lower(): 1 << index for index, flag in enumerate(SYSTEM_FLAGS)}
_NAMES = {1 << index: flag for index, flag in enumerate(SYSTEM_FLAGS)}
SEEN = _BITS["\\seen"]
DELETED = _BITS["\\deleted"]


def flags_to_columns(flags: Iterable[str]) -> tuple[int, str]:
    """Split flags into (system bit mask, space-separated keywords).

    System flags are case-insensitive (RFC 3501 §2.3.2); \\Recent is a session
    property and never stored; keywords keep the case they were first given.
    """
    mask = 0
    keywords: dict[str, str] = {}
    for flag in flags:
        bit = _BITS.get(flag.lower())
        if bit is not None:
            mask |= bit
        elif not flag.startswith("\\"):
            keywords.setdefault(flag.lower(), flag)
    return mask, " ".join(sorted(keywords.values(), key=str.lower))


@functools.lru_cache(maxsize=4096)
def flags_from_columns(mask: int, keywords: str) -> frozenset[str]:
    """The flag set of stored columns; cached, so the 100,000 messages of a mailbox
    share the few distinct sets instead of each building and holding its own."""
    names = [name for bit, name in _NAMES.items() if mask & bit]
    return frozenset(names + keywords.split())


def changed_flags(
    mode: FlagMode, mask: int, keywords: str, flags: Iterable[str]
) -> tuple[int, str]:
    """Stored columns after STORE's FLAGS / +FLAGS / -FLAGS (RFC 3501 §6.4.6)."""
    new_mask, new_keywords = flags_to_columns(flags)
    if mode is FlagMode.REPLACE:
        return new_mask, new_keywords
    old = set(flags_from_columns(mask, keywords))
    given = set(flags_from_columns(new_mask, new_keywords))
    if mode is FlagMode.ADD:
        return flags_to_columns(old | given)
    lowered = {flag.lower() for flag in given}
    return flags_to_columns(flag for flag in old if flag.lower() not in lowered)
