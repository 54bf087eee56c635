"""Sequence sets (RFC 3501 §9, RFC 5182 §2.1 for "$").

    seq-number      = nz-number / "*"
    seq-range       = seq-number ":" seq-number
                      ; two seq-number values and all values between
                      ; these two regardless of order.
    sequence-set    = (seq-number / seq-range) *("," sequence-set)
    sequence-set    =/ seq-last-command          ; RFC 5182
    seq-last-command = "$"

"*" is the largest number in use: the message count for sequence numbers,
the highest UID for UIDs.  It is stored as 0, which no nz-number can be.
A set holds at most MAX_RANGES ranges; asking whether it holds a number
costs a binary search over its merged ranges, which are worked out once for
each meaning of "*".
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ._events import CommandError
from ._tokens import MAX_NUMBER, Cursor

__all__ = ["MAX_RANGES", "STAR", "SequenceSet", "format_sequence", "parse_sequence_set"]

STAR = 0
MAX_RANGES = 16_384  # of one set: more than a 64 KiB line of real UIDs holds
_SET = re.compile(rb"(?:\d+|\*)(?::(?:\d+|\*))?(?:,(?:\d+|\*)(?::(?:\d+|\*))?)*")


@dataclass(frozen=True, slots=True)
class SequenceSet:
    """A parsed sequence-set: `ranges` of (first, last) with STAR (0) for "*".

    `saved` is true for "$", the result saved by SEARCH RETURN (SAVE); its
    ranges are then empty and the dispatcher substitutes the saved set.
    """

    ranges: tuple[tuple[int, int], ...]
    saved: bool = False
    # "*" -> (lows, highs) of the merged ranges, for contains()
    _merged: dict[int, tuple[list[int], list[int]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def normalized(self, largest: int) -> list[tuple[int, int]]:
        """Merged, ascending (low, high) ranges with "*" replaced by `largest`."""
        spans = sorted(_order(_star(a, largest), _star(b, largest)) for a, b in self.ranges)
        merged: list[tuple[int, int]] = []
        for low, high in spans:
            if low <= 0:
                continue
            if merged and low <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        return merged

    def highest_explicit(self) -> int:
        """The largest number written out (not "*"): above the message count → BAD."""
        return max((n for span in self.ranges for n in span), default=0)

    def select_uids(self, uids: Sequence[int]) -> list[int]:
        """The members of `uids` (ascending) that this set names (RFC 3501 §6.4.8)."""
        found: list[int] = []
        for start, end in self.uid_spans(uids):
            found.extend(uids[start:end])
        return found

    def uid_spans(self, uids: Sequence[int]) -> list[tuple[int, int]]:
        """The members of `uids` (ascending) that this set names, as runs of positions
        in it (``uids[start:end]``): a UID's sequence number is its position + 1, found
        without a search a UID."""
        largest = uids[-1] if uids else 0
        return [
            (bisect_left(uids, low), bisect_right(uids, high))
            for low, high in self.normalized(largest)
        ]

    def contains(self, value: int, largest: int) -> bool:
        """True if `value` is in the set when "*" means `largest`."""
        merged = self._merged.get(largest)
        if merged is None:
            merged = _merge(_order(_star(a, largest), _star(b, largest)) for a, b in self.ranges)
            self._merged.clear()  # one meaning of "*" at a time is all a command uses
            self._merged[largest] = merged
        lows, highs = merged
        at = bisect_right(lows, value) - 1
        return at >= 0 and value <= highs[at]

    def __str__(self) -> str:
        if self.saved:
            return "$"
        return ",".join(_format_range(a, b) for a, b in self.ranges)

    @classmethod
    def from_values(cls, values: Iterable[int]) -> SequenceSet:
        """The compact set of the given numbers, e.g. for COPYUID or ESEARCH ALL."""
        return cls(tuple(_compress(sorted(set(values)))))


def _merge(spans: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The lows and the highs of the overlapping spans merged, ascending."""
    lows: list[int] = []
    highs: list[int] = []
    for low, high in sorted(spans):
        if highs and low <= highs[-1]:
            highs[-1] = max(highs[-1], high)
        else:
            lows.append(low)
            highs.append(high)
    return lows, highs


def _star(value: int, largest: int) -> int:
    return largest if value == STAR else value


def _order(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


def _format_number(value: int) -> str:
    return "*" if value == STAR else str(value)


def _format_range(a: int, b: int) -> str:
    return _format_number(a) if a == b else f"{_format_number(a)}:{_format_number(b)}"


def _compress(values: list[int]) -> Iterator[tuple[int, int]]:
    start = prev = -2
    for value in values:
        if value != prev + 1:
            if start > 0:
                yield (start, prev)
            start = value
        prev = value
    if start > 0:
        yield (start, prev)


def format_sequence(values: Iterable[int]) -> str:
    """Write numbers as a sequence-set: [1, 2, 3, 7] -> "1:3,7"."""
    return str(SequenceSet.from_values(values))


def parse_sequence_set(
    cursor: Cursor, *, uid: bool = False, allow_saved: bool = True
) -> SequenceSet:
    """sequence-set at the cursor; Dovecot's "Invalid messageset"/"Invalid uidset" if bad."""
    if allow_saved and cursor.try_byte(b"$"):
        return SequenceSet((), saved=True)
    found = _SET.match(cursor.data, cursor.pos)
    end = found.end() if found else cursor.pos
    if found is None or (end < len(cursor.data) and cursor.data[end] not in b" )"):
        raise CommandError("Invalid uidset" if uid else "Invalid messageset")
    cursor.pos = end
    parts = found.group().split(b",")
    if len(parts) > MAX_RANGES:
        raise CommandError(f"Too many ranges in a sequence set (at most {MAX_RANGES}).")
    try:
        return SequenceSet(tuple(_parse_range(part) for part in parts))
    except ValueError:
        raise CommandError("Invalid uidset" if uid else "Invalid messageset") from None


def _parse_range(part: bytes) -> tuple[int, int]:
    first, _, last = part.partition(b":")
    a = _parse_number(first)
    return (a, _parse_number(last) if last else a)


def _parse_number(text: bytes) -> int:
    if text == b"*":
        return STAR
    value = int(text)
    if not 0 < value <= MAX_NUMBER:
        raise ValueError(text)
    return value
