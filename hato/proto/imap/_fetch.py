"""FETCH and its items (RFC 3501 §6.4.5, §9; RFC 7162 CONDSTORE).

fetch           = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
                  fetch-att / "(" fetch-att *(SP fetch-att) ")")
                  [fetch-modifiers]                      ; RFC 4466
fetch-att       = "ENVELOPE" / "FLAGS" / "INTERNALDATE" /
                  "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
                  "BODY" ["STRUCTURE"] / "UID" /
                  "BODY" section ["<" number "." nz-number ">"] /
                  "BODY.PEEK" section ["<" number "." nz-number ">"] /
                  "MODSEQ" /
                  "BINARY" [".PEEK"] section-binary [partial] /   ; RFC 3516 §4.2
                  "BINARY.SIZE" section-binary                   ; RFC 3516 §4.2
                  "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"] ; RFC 8970 §7
preview-mod     = "LAZY"
fetch-att       =/ "SNIPPET" [SP "(" preview-mod *(SP preview-mod) ")"]
preview-mod     =/ "FUZZY" / "LAZY=FUZZY"  ; the drafts before RFC 8970, as Dovecot 2.3
fetch-att       =/ "SAVEDATE"                                    ; RFC 8514 §7
fetch-att       =/ "EMAILID" / "THREADID"                        ; RFC 8474 §7
section-binary  = "[" [section-part] "]"                        ; RFC 3516 §6
section         = "[" [section-spec] "]"
section-spec    = section-msgtext / (section-part ["." section-text])
section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
section-part    = nz-number *("." nz-number)
section-text    = section-msgtext / "MIME"
header-list     = "(" header-fld-name *(SP header-fld-name) ")"
fetch-modifier  = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from ._commands import Command
from ._events import CommandError
from ._seqset import SequenceSet, parse_sequence_set
from ._tokens import MAX_NUMBER64, Cursor, Utf8Mode

__all__ = [
    "MAX_FETCH_ITEMS", "MAX_SECTION_PARTS", "REMEMBERED_ARGUMENTS", "REMEMBERED_LENGTH",
    "Fetch", "FetchAttr", "Section", "parse_fetch", "parse_fetch_atts", "parse_section",
    "remembered_arguments",
]  # fmt: skip

_SIMPLE = frozenset(
    [
        "ENVELOPE",
        "FLAGS",
        "INTERNALDATE",
        "RFC822",
        "RFC822.HEADER",
        "RFC822.SIZE",
        "RFC822.TEXT",
        "BODY",
        "BODYSTRUCTURE",
        "UID",
        "MODSEQ",
        "PREVIEW",
        "SNIPPET",
        "SAVEDATE",
        "EMAILID",
        "THREADID",
    ]
)
_WITH_SECTION = frozenset({"BODY", "BODY.PEEK"})
_BINARY = frozenset({"BINARY", "BINARY.PEEK", "BINARY.SIZE"})
_MACROS = {
    "ALL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"),
    "FAST": ("FLAGS", "INTERNALDATE", "RFC822.SIZE"),
    "FULL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"),
}
_NAME = re.compile(rb"[A-Za-z0-9.]+")
_PREVIEWS = frozenset({"PREVIEW", "SNIPPET"})
_PREVIEW_MODS = frozenset({"LAZY", "FUZZY", "LAZY=FUZZY"})
_PREVIEW_MOD = re.compile(rb" \((?i:lazy=fuzzy|lazy|fuzzy)[ )]")
_PART = re.compile(rb"[1-9]\d{0,8}(?:\.[1-9]\d{0,8})*")
_PARTIAL = re.compile(rb"<(\d{1,10})\.(\d{1,10})>")
_TEXTS = ("HEADER.FIELDS.NOT", "HEADER.FIELDS", "HEADER", "TEXT", "MIME")
# fetch-atts of one FETCH, and names of one header-list: each is work per message
MAX_FETCH_ITEMS = 256
# numbers of one section-part: MIME is parsed 100 levels deep (hato.mime), and each
# number is a step per message
MAX_SECTION_PARTS = 100
# FETCH arguments (what follows the sequence set) kept parsed: how many, and how long
# one may be (a longer one, a HEADER.FIELDS list of many names, is read every time)
REMEMBERED_ARGUMENTS = 256
REMEMBERED_LENGTH = 512


@dataclass(frozen=True, slots=True)
class Section:
    """A body section: `part` numbers, then `text` (HEADER, HEADER.FIELDS,
    HEADER.FIELDS.NOT, TEXT, MIME or None) and, for HEADER.FIELDS[.NOT],
    the upper-cased `fields`."""

    part: tuple[int, ...] = ()
    text: str | None = None
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        spec = ".".join(str(p) for p in self.part)
        if self.text:
            spec = f"{spec}.{self.text}" if spec else self.text
        if self.fields:
            spec += " (" + " ".join(self.fields) + ")"
        return spec


@dataclass(frozen=True, slots=True)
class FetchAttr:
    """One fetch-att.  `name` is upper-case without ".PEEK": FLAGS, BODY, ...;
    `section` is set for BODY[...] and BINARY[...]; `partial` is (origin, length);
    `peek` for BODY.PEEK and BINARY.PEEK.  BINARY and BINARY.SIZE (RFC 3516 §4.2) name
    the part with its content transfer encoding undone; their section has only part
    numbers.  `lazy` is PREVIEW's LAZY modifier (RFC 8970 §3.2); `fuzzy`, the drafts'
    FUZZY algorithm, answered ``(FUZZY text)`` (always so for SNIPPET)."""

    name: str
    section: Section | None = None
    partial: tuple[int, int] | None = None
    peek: bool = False
    lazy: bool = False
    fuzzy: bool = False

    @property
    def sets_seen(self) -> bool:
        """RFC 3501 §6.4.5: BODY[...], RFC822 and RFC822.TEXT set \\Seen; so does
        BINARY[...], not BINARY.SIZE (RFC 3516 §4.2)."""
        if self.name in ("RFC822", "RFC822.TEXT"):
            return True
        return self.section is not None and not self.peek and self.name != "BINARY.SIZE"

    def response_key(self) -> str:
        """The item name in the FETCH response (RFC 3501 §7.4.2): no .PEEK,
        a partial shows only its origin, e.g. "BODY[HEADER]<0>"."""
        if self.section is None:
            return self.name
        key = f"{self.name}[{self.section}]"
        return f"{key}<{self.partial[0]}>" if self.partial else key


@dataclass(frozen=True, slots=True)
class Fetch(Command):
    """FETCH / UID FETCH.  For UID FETCH, UID is in `items` (RFC 3501 §6.4.8);
    with CHANGEDSINCE, MODSEQ is (RFC 7162 §3.1.4.1)."""

    sequence_set: SequenceSet
    items: tuple[FetchAttr, ...]
    changedsince: int | None = None
    vanished: bool = False
    uid: bool = False
    NAME: ClassVar[str] = "FETCH"

    @property
    def name(self) -> str:
        return f"UID {self.NAME}" if self.uid else self.NAME


def parse_fetch(cur: Cursor, tag: str, uid: bool) -> Fetch:
    """fetch = "FETCH" SP sequence-set SP (macro / fetch-att / list) [modifiers].

    What follows the sequence set is read once for each distinct text (up to
    ``REMEMBERED_ARGUMENTS`` of them, each at most ``REMEMBERED_LENGTH`` octets): a
    client fetching message after message sends the same items every time, and their
    parse cost most of a one-message FETCH's. A text with a literal the reader spooled
    (its bytes are not in the line) is read afresh."""
    cur.sp()
    seqset = parse_sequence_set(cur, uid=uid)
    cur.sp()
    if cur.spooled or len(cur.data) - cur.pos > REMEMBERED_LENGTH:
        arguments = _fetch_arguments(cur, uid)  # no copy of a long rest is made to look up
    else:
        arguments = remembered_arguments(cur.data[cur.pos :], uid, cur.utf8)
        cur.pos = len(cur.data)
    items, changedsince, vanished = arguments
    return Fetch(tag, seqset, items, changedsince, vanished, uid)


_Arguments = tuple[tuple[FetchAttr, ...], int | None, bool]


@lru_cache(maxsize=REMEMBERED_ARGUMENTS)
def remembered_arguments(rest: bytes, uid: bool, utf8: Utf8Mode) -> _Arguments:
    """``_fetch_arguments`` of ``rest``, kept (a refused text is not: it raises)."""
    return _fetch_arguments(Cursor(rest, 0, None, utf8), uid)


def _fetch_arguments(cur: Cursor, uid: bool) -> _Arguments:
    """The items (those a UID FETCH or CHANGEDSINCE implies added) and the modifiers."""
    items = _parse_items(cur)
    changedsince, vanished = _parse_modifiers(cur) if cur.try_sp() else (None, False)
    cur.end()
    if vanished and (not uid or changedsince is None):
        raise CommandError("VANISHED used without UID and CHANGEDSINCE.")
    return _implied(items, uid, changedsince is not None), changedsince, vanished


def _parse_items(cur: Cursor) -> tuple[FetchAttr, ...]:
    if cur.peek() != 0x28:  # "("
        return _parse_att_or_macro(cur)
    return parse_fetch_atts(cur)


def parse_fetch_atts(cur: Cursor) -> tuple[FetchAttr, ...]:
    """ "(" fetch-att *(SP fetch-att) ")": FETCH's list, NOTIFY's MessageNew (RFC 5465 §5.1)."""
    items: list[FetchAttr] = []
    for _ in cur.list_items():
        items.append(_parse_att(cur))
        if len(items) > MAX_FETCH_ITEMS:
            raise CommandError("Too many FETCH items.")
    if not items:
        raise CommandError("Invalid arguments.")
    return tuple(items)


def _parse_att_or_macro(cur: Cursor) -> tuple[FetchAttr, ...]:
    start = cur.pos
    found = _NAME.match(cur.data, cur.pos)
    if found and found.group().upper().decode() in _MACROS and _at_boundary(cur, found.end()):
        cur.pos = found.end()
        return tuple(FetchAttr(n) for n in _MACROS[found.group().upper().decode()])
    cur.pos = start
    return (_parse_att(cur),)


def _at_boundary(cur: Cursor, pos: int) -> bool:
    return pos == len(cur.data) or cur.data[pos] in b" )"


def _parse_att(cur: Cursor) -> FetchAttr:
    found = _NAME.match(cur.data, cur.pos)
    if found is None:
        raise CommandError("Invalid arguments." if not cur.at_end() else "Missing arguments.")
    name = found.group().upper().decode()
    cur.pos = found.end()
    if cur.peek() == 0x5B and name in _BINARY:  # "["
        return _parse_binary_att(cur, name)
    if cur.peek() == 0x5B:
        if name not in _WITH_SECTION:
            raise CommandError(f"Unknown parameter {name}[")
        return _parse_section_att(cur, name)
    if name not in _SIMPLE or not _at_boundary(cur, cur.pos):
        raise CommandError(f"Unknown parameter {name}")
    if name in _PREVIEWS:
        return _parse_preview(cur, name)
    return FetchAttr(name)


def _parse_preview(cur: Cursor, name: str) -> FetchAttr:
    """`PREVIEW (LAZY)` (RFC 8970 §7), or the drafts' `PREVIEW (FUZZY)` and `SNIPPET
    (LAZY=FUZZY)`.  A list after it whose first word is not a preview-mod is left alone:
    it is FETCH's own modifiers (RFC 4466)."""
    fuzzy = name == "SNIPPET"
    found = _PREVIEW_MOD.match(cur.data, cur.pos)
    if found is None:
        return FetchAttr(name, fuzzy=fuzzy)
    lazy = False
    cur.sp()
    for _ in cur.list_items():
        modifier = cur.keyword()
        if modifier not in _PREVIEW_MODS:
            raise CommandError(f"'{modifier[:40]}' is not a supported PREVIEW modifier")
        lazy = lazy or modifier.startswith("LAZY")
        fuzzy = fuzzy or modifier.endswith("FUZZY")
    return FetchAttr(name, lazy=lazy, fuzzy=fuzzy)


def _parse_section_att(cur: Cursor, name: str) -> FetchAttr:
    cur.expect(b"[")
    section = parse_section(cur)
    cur.expect(b"]")
    partial = _parse_partial(cur)
    if not _at_boundary(cur, cur.pos):
        raise CommandError("Invalid arguments.")
    return FetchAttr("BODY", section, partial, peek=name == "BODY.PEEK")


def _parse_binary_att(cur: Cursor, name: str) -> FetchAttr:
    """BINARY[.PEEK] section-binary [partial] / BINARY.SIZE section-binary (RFC 3516 §6)."""
    cur.expect(b"[")
    section = Section(_parse_part(cur))
    cur.expect(b"]")
    partial = _parse_partial(cur) if name != "BINARY.SIZE" else None
    if not _at_boundary(cur, cur.pos):
        raise CommandError("Invalid arguments.")
    kind = "BINARY" if name == "BINARY.PEEK" else name
    return FetchAttr(kind, section, partial, peek=name == "BINARY.PEEK")


def _parse_part(cur: Cursor) -> tuple[int, ...]:
    """section-part = nz-number *("." nz-number), at most MAX_SECTION_PARTS of them."""
    found = _PART.match(cur.data, cur.pos)
    if found is None:
        return ()
    numbers = found.group().split(b".")
    if len(numbers) > MAX_SECTION_PARTS:
        raise CommandError("Section part too deep.")
    cur.pos = found.end()
    return tuple(int(p) for p in numbers)


def parse_section(cur: Cursor) -> Section:
    """section-spec = section-msgtext / (section-part ["." section-text])."""
    part = _parse_part(cur)
    if part and not cur.try_byte(b"."):
        return Section(part)
    text = _parse_section_text(cur, allow_mime=bool(part))
    if text is None:
        if part:
            raise CommandError("Invalid arguments.")
        return Section()
    fields = _parse_header_list(cur) if text.startswith("HEADER.FIELDS") else ()
    return Section(part, text, fields)


def _parse_section_text(cur: Cursor, allow_mime: bool) -> str | None:
    rest = cur.data[cur.pos : cur.pos + 17].upper()
    for text in _TEXTS:
        if rest.startswith(text.encode()) and (allow_mime or text != "MIME"):
            cur.pos += len(text)
            return text
    return None


def _parse_header_list(cur: Cursor) -> tuple[str, ...]:
    """header-list = "(" header-fld-name *(SP header-fld-name) ")"."""
    cur.sp()
    fields: list[str] = []
    for _ in cur.list_items():
        fields.append(cur.astring().decode("ascii", "replace").upper())
        if len(fields) > MAX_FETCH_ITEMS:
            raise CommandError("Too many header fields.")
    if not fields:
        raise CommandError("Invalid arguments.")
    return tuple(fields)


def _parse_partial(cur: Cursor) -> tuple[int, int] | None:
    """partial = "<" number "." nz-number ">"."""
    if cur.peek() != 0x3C:
        return None
    found = _PARTIAL.match(cur.data, cur.pos)
    if found is None or int(found.group(2)) == 0:
        raise CommandError("Invalid arguments.")
    cur.pos = found.end()
    return (int(found.group(1)), int(found.group(2)))


def _parse_modifiers(cur: Cursor) -> tuple[int | None, bool]:
    """fetch-modifiers = "(" fetch-modifier *(SP fetch-modifier) ")"."""
    changedsince: int | None = None
    vanished = False
    for _ in cur.list_items():
        word = cur.keyword()
        if word == "CHANGEDSINCE" and changedsince is None:
            cur.sp()
            changedsince = cur.nz_number(MAX_NUMBER64)
        elif word == "VANISHED" and not vanished:
            vanished = True
        else:
            raise CommandError("Invalid arguments.")
    return changedsince, vanished


def _implied(items: tuple[FetchAttr, ...], uid: bool, modseq: bool) -> tuple[FetchAttr, ...]:
    names = {item.name for item in items if item.section is None}
    if modseq and "MODSEQ" not in names:
        items = (*items, FetchAttr("MODSEQ"))
    if uid and "UID" not in names:
        items = (FetchAttr("UID"), *items)
    return items
