"""METADATA's commands (RFC 5464 §4.2, §4.3, §5):

    getmetadata   = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries
    getmetadata-options = "(" getmetadata-option *(SP getmetadata-option) ")"
    getmetadata-option  = "MAXSIZE" SP number / "DEPTH" SP ("0" / "1" / "infinity")
    entries       = entry / "(" entry *(SP entry) ")"
    setmetadata   = "SETMETADATA" SP mailbox SP "(" entry-value *(SP entry-value) ")"
    entry-value   = entry SP value
    value         = nstring / literal8
    entry         = astring

An entry name (§3.2) is ``/private`` or ``/shared`` and one or more ``/``-separated
parts; hato takes parts of letters, digits and ``-._+:=@,!~`` (no ``*`` or ``%``, no
empty part, nothing to quote), at most ``MAX_ENTRY`` characters, and compares them in
lower case. At most ``MAX_ENTRIES_ASKED`` entries in one command.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from ._commands import Command
from ._events import CommandError
from ._grammar_mailbox import parse_mailbox
from ._tokens import MAX_NUMBER64, Cursor

__all__ = [
    "MAX_ENTRIES_ASKED", "MAX_ENTRY", "GetMetadata", "SetMetadata", "parse_getmetadata",
    "parse_setmetadata",
]  # fmt: skip

MAX_ENTRY = 1024
MAX_ENTRIES_ASKED = 100
_ENTRY = re.compile(r"/(?:private|shared)(?:/[A-Za-z0-9._+:=@,!~-]+)+")


@dataclass(frozen=True, slots=True)
class GetMetadata(Command):
    """RFC 5464 §4.2; ``depth`` None is "infinity"; entries in lower case."""

    mailbox: str
    entries: tuple[str, ...]
    maxsize: int | None = None
    depth: int | None = 0
    NAME: ClassVar[str] = "GETMETADATA"


@dataclass(frozen=True, slots=True)
class SetMetadata(Command):
    """RFC 5464 §4.3: (entry, value) pairs, a value of None removes the entry."""

    mailbox: str
    values: tuple[tuple[str, bytes | None], ...]
    NAME: ClassVar[str] = "SETMETADATA"


def parse_getmetadata(cur: Cursor, tag: str) -> GetMetadata:
    maxsize: int | None = None
    depth: int | None = 0
    if cur.data[cur.pos : cur.pos + 2] == b" (":  # the options come before the mailbox
        cur.sp()
        maxsize, depth = _options(cur)
    mailbox = parse_mailbox(cur)
    cur.sp()
    listed = cur.peek() == 0x28  # "(": several entries
    entries = [_entry(cur) for _ in _items(cur)] if listed else [_entry(cur)]
    cur.end()
    return GetMetadata(tag, mailbox, tuple(dict.fromkeys(entries)), maxsize, depth)


def parse_setmetadata(cur: Cursor, tag: str) -> SetMetadata:
    mailbox = parse_mailbox(cur)
    cur.sp()
    values: list[tuple[str, bytes | None]] = []
    for _ in _items(cur):
        entry = _entry(cur)
        cur.sp()
        value = None if cur.try_nil() else cur.string(literal8=True)
        values.append((entry, value))
    cur.end()
    return SetMetadata(tag, mailbox, tuple(values))


def _items(cur: Cursor) -> Iterator[int]:
    """Walk a parenthesised list of at most MAX_ENTRIES_ASKED elements."""
    for index in cur.list_items():
        if index >= MAX_ENTRIES_ASKED:
            raise CommandError(f"Too many entries (at most {MAX_ENTRIES_ASKED}).")
        yield index


def _options(cur: Cursor) -> tuple[int | None, int | None]:
    maxsize: int | None = None
    depth: int | None = 0
    for _ in cur.list_items():
        word = cur.keyword()
        cur.sp()
        if word == "MAXSIZE":
            maxsize = cur.number(MAX_NUMBER64)
        elif word == "DEPTH":
            value = cur.atom().lower()
            if value not in ("0", "1", "infinity"):
                raise CommandError("Invalid DEPTH.")
            depth = None if value == "infinity" else int(value)
        else:
            raise CommandError("Unknown GETMETADATA option.")
    return maxsize, depth


def _entry(cur: Cursor) -> str:
    raw = cur.astring()
    if len(raw) > MAX_ENTRY or not _ENTRY.fullmatch(raw.decode("ascii", "replace")):
        raise CommandError("Invalid entry name.")
    return raw.decode("ascii").lower()
