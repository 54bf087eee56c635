"""SEARCH keys (RFC 3501 §6.4.4, §9) with MODSEQ (RFC 7162), OLDER/YOUNGER
(RFC 5032) and "$" (RFC 5182), parsed into a small tree of dataclasses.

    search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date /
                 "BODY" SP astring / "CC" SP astring / "DELETED" / "FLAGGED" /
                 "FROM" SP astring / "KEYWORD" SP flag-keyword / "NEW" / "OLD" /
                 "ON" SP date / "RECENT" / "SEEN" / "SINCE" SP date /
                 "SUBJECT" SP astring / "TEXT" SP astring / "TO" SP astring /
                 "UNANSWERED" / "UNDELETED" / "UNFLAGGED" /
                 "UNKEYWORD" SP flag-keyword / "UNSEEN" / "DRAFT" /
                 "HEADER" SP header-fld-name SP astring / "LARGER" SP number /
                 "NOT" SP search-key / "OR" SP search-key SP search-key /
                 "SENTBEFORE" SP date / "SENTON" SP date / "SENTSINCE" SP date /
                 "SMALLER" SP number / "UID" SP sequence-set / "UNDRAFT" /
                 sequence-set / "(" search-key *(SP search-key) ")"
    search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer
    search-modseq-ext  = SP entry-name SP entry-type-req
    search-key =/ "OLDER" SP nz-number / "YOUNGER" SP nz-number
    search-key =/ "SAVEDBEFORE" SP date / "SAVEDON" SP date / "SAVEDSINCE" SP date /
                  "SAVEDATESUPPORTED"                        ; RFC 8514 §7
    search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid ; RFC 8474 §7
    objectid   = 1*255(ALPHA / DIGIT / "_" / "-")
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from ._dates import parse_date
from ._events import CommandError
from ._seqset import SequenceSet, parse_sequence_set
from ._tokens import MAX_NUMBER64, Cursor

__all__ = [
    "MAX_DEPTH",
    "MAX_SEARCH_KEYS",
    "SearchAge",
    "SearchAll",
    "SearchAnd",
    "SearchDate",
    "SearchFlag",
    "SearchHeader",
    "SearchKey",
    "SearchModSeq",
    "SearchNot",
    "SearchObjectId",
    "SearchOr",
    "SearchSequence",
    "SearchSize",
    "SearchText",
    "parse_search_keys",
    "search_leaves",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class SearchAll:
    """ALL."""


@dataclass(frozen=True, slots=True)
class SearchFlag:
    """ANSWERED/UNANSWERED/.../KEYWORD/UNKEYWORD/RECENT: `flag` is "\\Seen" etc."""

    flag: str
    present: bool = True


@dataclass(frozen=True, slots=True)
class SearchHeader:
    """HEADER field value; FROM/TO/CC/BCC/SUBJECT are HEADER of that field.

    `field` is upper-case; an empty value matches every message having the field.
    """

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class SearchText:
    """BODY (`where`="BODY") or TEXT (header and body)."""

    where: str
    value: str


@dataclass(frozen=True, slots=True)
class SearchDate:
    """BEFORE/ON/SINCE (`sent`=False: internal date), SENT* (Date: header) and SAVED*
    (`saved`: the save date, RFC 8514 §4.1)."""

    op: str  # "BEFORE", "ON", "SINCE"
    day: date
    sent: bool = False
    saved: bool = False


@dataclass(frozen=True, slots=True)
class SearchSize:
    """LARGER (`op`="LARGER") / SMALLER n: RFC822.SIZE strictly above / below n."""

    op: str
    size: int


@dataclass(frozen=True, slots=True)
class SearchSequence:
    """A sequence-set (`uid`=False) or UID sequence-set; may be "$" (saved)."""

    sequence_set: SequenceSet
    uid: bool = False


@dataclass(frozen=True, slots=True)
class SearchModSeq:
    """MODSEQ [entry-name entry-type] n: modseq >= n (RFC 7162 §3.1.5)."""

    modseq: int
    entry: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class SearchAge:
    """OLDER / YOUNGER n seconds, by internal date (RFC 5032)."""

    op: str
    seconds: int


@dataclass(frozen=True, slots=True)
class SearchObjectId:
    """EMAILID / THREADID objectid (RFC 8474 §6): ``kind`` is the word."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class SearchNot:
    key: SearchKey


@dataclass(frozen=True, slots=True)
class SearchOr:
    left: SearchKey
    right: SearchKey


@dataclass(frozen=True, slots=True)
class SearchAnd:
    """A parenthesised list, or the whole program: every key must match."""

    keys: tuple[SearchKey, ...]


SearchKey = (
    SearchAll | SearchFlag | SearchHeader | SearchText | SearchDate | SearchSize
    | SearchSequence | SearchModSeq | SearchAge | SearchObjectId | SearchNot | SearchOr
    | SearchAnd
)  # fmt: skip


def search_leaves(key: SearchKey) -> Iterator[SearchKey]:
    """The keys of a program that are not NOT, OR or AND (depth is bounded by MAX_DEPTH)."""
    if isinstance(key, SearchNot):
        yield from search_leaves(key.key)
    elif isinstance(key, SearchOr):
        yield from search_leaves(key.left)
        yield from search_leaves(key.right)
    elif isinstance(key, SearchAnd):
        for part in key.keys:
            yield from search_leaves(part)
    else:
        yield key


_FLAGS = {
    "ANSWERED": ("\\Answered", True), "UNANSWERED": ("\\Answered", False),
    "DELETED": ("\\Deleted", True), "UNDELETED": ("\\Deleted", False),
    "FLAGGED": ("\\Flagged", True), "UNFLAGGED": ("\\Flagged", False),
    "SEEN": ("\\Seen", True), "UNSEEN": ("\\Seen", False),
    "DRAFT": ("\\Draft", True), "UNDRAFT": ("\\Draft", False),
    "RECENT": ("\\Recent", True), "OLD": ("\\Recent", False),
}  # fmt: skip
_NEW = SearchAnd((SearchFlag("\\Recent"), SearchFlag("\\Seen", False)))
_HEADERS = frozenset({"FROM", "TO", "CC", "BCC", "SUBJECT"})
_DATES = {
    "BEFORE": ("BEFORE", False), "ON": ("ON", False), "SINCE": ("SINCE", False),
    "SENTBEFORE": ("BEFORE", True), "SENTON": ("ON", True), "SENTSINCE": ("SINCE", True),
}  # fmt: skip
_SAVED_DATES = {"SAVEDBEFORE": "BEFORE", "SAVEDON": "ON", "SAVEDSINCE": "SINCE"}
MAX_DEPTH = 100  # nested NOT/OR/() beyond this is refused, not a RecursionError
# keys of one program, NOT/OR/() aside: a SEARCH costs keys times messages
MAX_SEARCH_KEYS = 1000


def parse_search_keys(cur: Cursor) -> SearchKey:
    """1*(SP search-key) up to the end of the command, as one SearchAnd or key."""
    keys = [_key(cur, 0)]
    while cur.try_sp():
        keys.append(_key(cur, 0))
    cur.end()
    program = keys[0] if len(keys) == 1 else SearchAnd(tuple(keys))
    if sum(1 for _ in search_leaves(program)) > MAX_SEARCH_KEYS:
        raise CommandError("Too many search keys.")
    return program


def _key(cur: Cursor, depth: int) -> SearchKey:
    if depth > MAX_DEPTH:
        raise CommandError("Too deep search key nesting.")
    char = cur.peek()
    if char == 0x28:  # "("
        return _parenthesised(cur, depth)
    if char == 0x24 or 0x30 <= char <= 0x39 or char == 0x2A:  # "$" DIGIT "*"
        return SearchSequence(parse_sequence_set(cur))
    word = cur.keyword()
    handler = _HANDLERS.get(word)
    if handler is not None:
        return handler(cur, word, depth)
    if word in _FLAGS:
        return SearchFlag(*_FLAGS[word])
    raise CommandError(f"Unknown argument {word}")


def _parenthesised(cur: Cursor, depth: int) -> SearchKey:
    keys = [_key(cur, depth + 1) for _ in cur.list_items()]
    if not keys:
        raise CommandError("Invalid arguments.")
    return keys[0] if len(keys) == 1 else SearchAnd(tuple(keys))


#: The charsets a search program may be written in (RFC 3501 §6.4.4: UTF-8 and
#: US-ASCII, and the three older Japanese clients send), and the codec that reads
#: each: the superset Japanese mail means by the name (Shift_JIS as Windows-31J, as
#: hato.mime reads message text). US-ASCII strings are read as UTF-8, as before.
SEARCH_CHARSETS = {
    "UTF-8": "utf-8",
    "US-ASCII": "utf-8",
    "ISO-2022-JP": "iso2022_jp_ext",
    "SHIFT_JIS": "cp932",
    "EUC-JP": "euc_jp",
}


def search_codec(charset: str | None) -> str | None:
    """The codec for a search program's CHARSET (None if we do not know it)."""
    return SEARCH_CHARSETS.get((charset or "UTF-8").upper())


def _text(cur: Cursor) -> str:
    cur.sp()
    value = cur.astring()
    if cur.text_codec is None:
        return value.decode("utf-8", "replace")
    try:
        return value.decode(cur.text_codec)
    except UnicodeDecodeError:
        name = "UTF-8" if cur.text_codec == "utf-8" else "charset"
        raise CommandError(f"Invalid {name} in search string.") from None


def _all(cur: Cursor, word: str, depth: int) -> SearchKey:
    return SearchAll()


def _new(cur: Cursor, word: str, depth: int) -> SearchKey:
    return _NEW


def _header_shortcut(cur: Cursor, word: str, depth: int) -> SearchKey:
    return SearchHeader(word, _text(cur))


def _header(cur: Cursor, word: str, depth: int) -> SearchKey:
    field = _text(cur).upper()
    return SearchHeader(field, _text(cur))


def _body_text(cur: Cursor, word: str, depth: int) -> SearchKey:
    return SearchText(word, _text(cur))


def _keyword(cur: Cursor, word: str, depth: int) -> SearchKey:
    cur.sp()
    return SearchFlag(cur.atom(), word == "KEYWORD")


def _date(cur: Cursor, word: str, depth: int) -> SearchKey:
    cur.sp()
    op, sent = _DATES[word]
    return SearchDate(op, parse_date(cur), sent)


def _saved_date(cur: Cursor, word: str, depth: int) -> SearchKey:
    """SAVEDBEFORE / SAVEDON / SAVEDSINCE date (RFC 8514 §4.1)."""
    cur.sp()
    return SearchDate(_SAVED_DATES[word], parse_date(cur), saved=True)


def _size(cur: Cursor, word: str, depth: int) -> SearchKey:
    cur.sp()
    return SearchSize(word, cur.number())


def _age(cur: Cursor, word: str, depth: int) -> SearchKey:
    cur.sp()
    return SearchAge(word, cur.nz_number())


def _uid(cur: Cursor, word: str, depth: int) -> SearchKey:
    cur.sp()
    return SearchSequence(parse_sequence_set(cur, uid=True), uid=True)


def _not(cur: Cursor, word: str, depth: int) -> SearchKey:
    cur.sp()
    return SearchNot(_key(cur, depth + 1))


def _or(cur: Cursor, word: str, depth: int) -> SearchKey:
    cur.sp()
    left = _key(cur, depth + 1)
    cur.sp()
    return SearchOr(left, _key(cur, depth + 1))


def _modseq(cur: Cursor, word: str, depth: int) -> SearchKey:
    """search-modsequence = "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer."""
    cur.sp()
    entry = None
    if cur.peek() == 0x22:  # entry-name = entry-flag-name, a quoted string
        name = cur.quoted().decode("ascii", "replace")
        cur.sp()
        kind = cur.keyword()
        if kind not in ("PRIV", "SHARED", "ALL"):
            raise CommandError("Invalid arguments.")
        entry = (name, kind)
        cur.sp()
    return SearchModSeq(cur.number(MAX_NUMBER64), entry)


_OBJECTID = re.compile(rb"[A-Za-z0-9_-]{1,255}")


def _object_id(cur: Cursor, word: str, depth: int) -> SearchKey:
    """EMAILID / THREADID objectid (RFC 8474 §6, §7)."""
    cur.sp()
    value = cur.atom().encode("ascii", "replace")
    if not _OBJECTID.fullmatch(value):
        raise CommandError("Invalid object id.")
    return SearchObjectId(word, value.decode("ascii"))


_Handler = Callable[[Cursor, str, int], SearchKey]
_HANDLERS: dict[str, _Handler] = {
    "ALL": _all, "NEW": _new, "HEADER": _header, "BODY": _body_text, "TEXT": _body_text,
    "KEYWORD": _keyword, "UNKEYWORD": _keyword, "LARGER": _size, "SMALLER": _size,
    "OLDER": _age, "YOUNGER": _age, "UID": _uid, "NOT": _not, "OR": _or, "MODSEQ": _modseq,
    **dict.fromkeys(_HEADERS, _header_shortcut), **dict.fromkeys(_DATES, _date),
    **dict.fromkeys(_SAVED_DATES, _saved_date),
    # RFC 8514 §4.2: every message of a mailbox that keeps save dates, as all of hato's do
    "SAVEDATESUPPORTED": _all,
    "EMAILID": _object_id, "THREADID": _object_id,
}  # fmt: skip
