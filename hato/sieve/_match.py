"""Comparators (RFC 4790 via RFC 5228 §2.7.3), match types (§2.7.1) and relations (RFC 5231).

``:matches`` is a wildcard matcher of its own, linear in the common case and never worse
than value × pattern steps, all counted in the run's step budget: no regex is ever built
from a script's pattern. ``:regex`` runs on RE2 (``_regex``), which cannot backtrack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hato.sieve._errors import SieveLimitError

_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


class Budget:
    """The steps a run may still take (the CPU bound on a hostile script)."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        if self.left < 0:
            raise SieveLimitError(f"script ran past its budget of {self.limit} steps")


def fold(value: str, comparator: str) -> str:
    """The form two values are compared in: i;ascii-casemap folds A-Z only (RFC 4790 §9.2)."""
    if comparator != "i;ascii-casemap":
        return value
    return value.lower() if value.isascii() else value.translate(_ASCII_LOWER)


def numeric(value: str) -> int | None:
    """i;ascii-numeric (RFC 4790 §9.1): the leading digits; None (positive infinity) if none."""
    end = 0
    while end < len(value) and "0" <= value[end] <= "9":
        end += 1
    return int(value[:end]) if end else None


def order(value: str, key: str, comparator: str) -> int:
    """-1, 0 or 1 as ``value`` sorts before, with or after ``key`` (RFC 5231 §4)."""
    if comparator == "i;ascii-numeric":
        left, right = numeric(value), numeric(key)
        if left is None or right is None:
            return (left is None) - (right is None)
        return (left > right) - (left < right)
    if comparator == "i;octet":
        a, b = value.encode("utf-8", "surrogateescape"), key.encode("utf-8", "surrogateescape")
    else:
        a = fold(value, comparator).encode("utf-8", "surrogateescape")
        b = fold(key, comparator).encode("utf-8", "surrogateescape")
    return (a > b) - (a < b)


_RELATIONS: dict[str, Callable[[int], bool]] = {
    "gt": lambda c: c > 0,
    "ge": lambda c: c >= 0,
    "lt": lambda c: c < 0,
    "le": lambda c: c <= 0,
    "eq": lambda c: c == 0,
    "ne": lambda c: c != 0,
}


def relation(name: str, value: str, key: str, comparator: str) -> bool:
    """``value <relation> key`` under the comparator (RFC 5231 §4)."""
    return _RELATIONS[name.lower()](order(value, key, comparator))


# -- :matches (RFC 5228 §2.7.1) ------------------------------------------------------------
# "*" matches zero or more characters, "?" exactly one; "\" quotes the next character.
STAR = object()
ONE = object()
Item = object  # a one-character str, STAR or ONE


@dataclass(frozen=True, slots=True)
class Pattern:
    items: tuple[Item, ...]


def compile_wildcards(key: str, comparator: str) -> Pattern:
    """The items of a :matches key, literals folded for the comparator."""
    items: list[Item] = []
    escaped = False
    for char in fold(key, comparator):
        if escaped:
            items.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            items.append(STAR)
        elif char == "?":
            items.append(ONE)
        else:
            items.append(char)
    if escaped:  # a backslash that ends the key stands for itself
        items.append("\\")
    return Pattern(tuple(items))


def wildcard_match(
    pattern: Pattern, value: str, comparator: str, budget: Budget
) -> list[str] | None:
    """Match ``value`` against the pattern; the wildcards' texts in order, or None.

    The scan keeps the last "*" seen and, on a mismatch, lets it take one more character
    (the classic greedy-star algorithm): every star matches as little as it can, so match
    variables are the leftmost-shortest split (RFC 5229 §3.2). Steps: at most
    len(value) × len(pattern), every four counted as one step of the budget.
    """
    text = fold(value, comparator)
    items = pattern.items
    spans: list[tuple[int, int]] = []
    p = v = 0
    star_p, star_v, star_span = -1, 0, 0
    steps = 0
    while v < len(text):
        steps += 1
        item = items[p] if p < len(items) else None
        if item is STAR:
            star_p, star_v, star_span = p, v, len(spans)
            spans.append((v, v))
            p += 1
        elif item is ONE:
            spans.append((v, v + 1))
            p += 1
            v += 1
        elif item is not None and item == text[v]:
            p += 1
            v += 1
        elif star_p >= 0:
            star_v += 1
            p, v = star_p + 1, star_v
            del spans[star_span + 1 :]
            spans[star_span] = (spans[star_span][0], star_v)
        else:
            budget.spend(steps // 4)
            return None
        if steps & 0xFFF == 0:
            budget.spend(0x1000 // 4)
    budget.spend((steps & 0xFFF) // 4)
    while p < len(items) and items[p] is STAR:
        spans.append((v, v))
        p += 1
    if p != len(items):
        return None
    return [value[start:end] for start, end in spans]


def is_equal(value: str, key: str, comparator: str) -> bool:
    """:is (RFC 5228 §2.7.1); i;ascii-numeric compares the numbers (RFC 4790 §9.1)."""
    if comparator == "i;ascii-numeric":
        return order(value, key, comparator) == 0
    return fold(value, comparator) == fold(key, comparator)
