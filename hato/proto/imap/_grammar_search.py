"""SEARCH, SORT and THREAD commands (RFC 3501 §6.4.4, RFC 4731 ESEARCH,
RFC 5182 SEARCHRES, RFC 5256 SORT/THREAD, RFC 5267 ESORT/CONTEXT, RFC 5957).

    search          = "SEARCH" [search-return-opts] SP search-program
    search-program  = ["CHARSET" SP charset SP] search-key *(SP search-key)
    search-return-opts = SP "RETURN" SP "(" [search-return-opt
                         *(SP search-return-opt)] ")"
    search-return-opt  = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE" /
                         "UPDATE" / "CONTEXT" / "PARTIAL" SP partial-range
    partial-range   = nz-number ":" nz-number      ; RFC 9394 adds "-" forms
    sort            = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria
                      SP search-criteria
    sort-criteria   = "(" sort-criterion *(SP sort-criterion) ")"
    sort-criterion  = ["REVERSE" SP] sort-key
    sort-key        = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" /
                      "SUBJECT" / "TO" / "DISPLAYFROM" / "DISPLAYTO"
    thread          = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
    search-criteria = charset 1*(SP search-key)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from ._commands import Command
from ._events import CommandError
from ._search import SearchKey, parse_search_keys, search_codec
from ._tokens import Cursor, Utf8Mode

__all__ = [
    "MAX_SORT_CRITERIA", "Search", "SearchReturn", "Sort", "SortCriterion", "Thread",
    "parse_search", "parse_sort", "parse_thread",
]  # fmt: skip

_RETURN_OPTIONS = frozenset({"MIN", "MAX", "ALL", "COUNT", "SAVE", "UPDATE", "CONTEXT"})
_SORT_KEYS = frozenset(
    {"ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO"}
)
_PARTIAL = re.compile(rb"(-?)([1-9]\d{0,9}):(-?)([1-9]\d{0,9})")
MAX_SORT_CRITERIA = 16  # each is one more sorting pass; nine keys, with or without REVERSE


@dataclass(frozen=True, slots=True)
class SearchReturn:
    """RETURN (...) of ESEARCH/ESORT/CONTEXT.  `options` upper-case; an empty
    list means ALL (RFC 4731 §3.1).  `partial` is (first, last), first <= last
    (both negative for RFC 9394's "from the end" ranges)."""

    options: frozenset[str]
    partial: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class _Searching(Command):
    criteria: SearchKey
    charset: str | None = None
    returning: SearchReturn | None = None
    uid: bool = False

    @property
    def name(self) -> str:
        return f"UID {self.NAME}" if self.uid else self.NAME


@dataclass(frozen=True, slots=True)
class Search(_Searching):
    """SEARCH / UID SEARCH; `returning` is None for the classic `* SEARCH` answer."""

    NAME: ClassVar[str] = "SEARCH"


@dataclass(frozen=True, slots=True)
class SortCriterion:
    key: str
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class Sort(_Searching):
    """SORT / UID SORT (RFC 5256 §3); `charset` is always set."""

    sort_criteria: tuple[SortCriterion, ...] = ()
    NAME: ClassVar[str] = "SORT"


@dataclass(frozen=True, slots=True)
class Thread(_Searching):
    """THREAD / UID THREAD (RFC 5256 §3); `algorithm` upper-case."""

    algorithm: str = "REFERENCES"
    NAME: ClassVar[str] = "THREAD"


def parse_search(cur: Cursor, tag: str, uid: bool) -> Search:
    returning = _return_options(cur)
    cur.sp()
    charset = None
    if cur.data[cur.pos : cur.pos + 8].upper() == b"CHARSET ":
        if cur.utf8 is Utf8Mode.ACCEPT:  # RFC 6855 §3: the charset labels would conflict
            raise CommandError("CHARSET is not allowed after ENABLE UTF8=ACCEPT.")
        cur.pos += 8
        charset = _charset(cur)
        cur.sp()
    cur.text_codec = search_codec(charset)
    return Search(tag, parse_search_keys(cur), charset, returning, uid)


def parse_sort(cur: Cursor, tag: str, uid: bool) -> Sort:
    returning = _return_options(cur)
    cur.sp()
    criteria = tuple(_sort_criterion(cur) for _ in cur.list_items())
    if not criteria:
        raise CommandError("Empty sort program.")
    if len(criteria) > MAX_SORT_CRITERIA:
        raise CommandError("Too many sort criteria.")
    cur.sp()
    charset = _charset(cur)
    cur.sp()
    cur.text_codec = search_codec(charset)
    return Sort(tag, parse_search_keys(cur), charset, returning, uid, criteria)


def parse_thread(cur: Cursor, tag: str, uid: bool) -> Thread:
    cur.sp()
    algorithm = cur.keyword()
    cur.sp()
    charset = _charset(cur)
    cur.sp()
    cur.text_codec = search_codec(charset)
    return Thread(tag, parse_search_keys(cur), charset, None, uid, algorithm)


def _charset(cur: Cursor) -> str:
    """charset = atom / quoted."""
    return cur.astring().decode("ascii", "replace").upper()


def _sort_criterion(cur: Cursor) -> SortCriterion:
    key = cur.keyword()
    reverse = key == "REVERSE"
    if reverse:
        cur.sp()
        key = cur.keyword()
    if key not in _SORT_KEYS:
        raise CommandError("Unknown sort argument")
    return SortCriterion(key, reverse)


def _return_options(cur: Cursor) -> SearchReturn | None:
    if cur.data[cur.pos : cur.pos + 8].upper() != b" RETURN ":
        return None
    cur.pos += 8
    options: set[str] = set()
    partial = None
    for _ in cur.list_items():
        option = cur.keyword()
        if option == "PARTIAL" and partial is None:
            partial = _partial(cur)
        elif option in _RETURN_OPTIONS:
            options.add(option)
        else:
            raise CommandError("Invalid RETURN option.")
    if not options and partial is None:
        options.add("ALL")
    return SearchReturn(frozenset(options), partial)


def _partial(cur: Cursor) -> tuple[int, int]:
    """partial-range; "1:*", "*:1" and a bare number are BAD (RFC 5267 §4.4)."""
    cur.sp()
    found = _PARTIAL.match(cur.data, cur.pos)
    if found is None or bool(found.group(1)) != bool(found.group(3)):
        raise CommandError("Invalid PARTIAL range.")
    cur.pos = found.end()
    first = int(found.group(1) + found.group(2))
    last = int(found.group(3) + found.group(4))
    return (min(first, last), max(first, last))
