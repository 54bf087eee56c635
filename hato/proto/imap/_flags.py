"""Flags (RFC 3501 §2.3.2, §9).

    flag            = "\\Answered" / "\\Flagged" / "\\Deleted" /
                      "\\Seen" / "\\Draft" / flag-keyword / flag-extension
    flag-extension  = "\\" atom
    flag-keyword    = atom
    flag-list       = "(" [flag *(SP flag)] ")"
    store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP
                      (flag-list / (flag *(SP flag)))

System flags come back capitalised ("\\seen" -> "\\Seen") so that the store
compares them exactly; keywords keep the client's spelling.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ._events import CommandError
from ._tokens import Cursor

__all__ = ["MAX_FLAGS", "SYSTEM_FLAGS", "parse_flag", "parse_flag_list", "parse_store_flags"]

MAX_FLAGS = 256  # flags of one STORE or APPEND message: each may be a new keyword

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_CANONICAL = {flag.upper(): flag for flag in (*SYSTEM_FLAGS, "\\Recent")}


def parse_flag(cur: Cursor, *, storable: bool = False) -> str:
    """flag; with `storable`, only flags a client may set (no \\Recent, no \\X)."""
    if not cur.try_byte(b"\\"):
        return cur.atom()
    name = "\\" + cur.atom()
    canonical = _CANONICAL.get(name.upper())
    if storable and (canonical is None or canonical == "\\Recent"):
        raise CommandError(f"Invalid system flag {name}")
    return canonical or name


def parse_flag_list(cur: Cursor, *, storable: bool = False) -> tuple[str, ...]:
    """flag-list = "(" [flag *(SP flag)] ")"."""
    return _counted(parse_flag(cur, storable=storable) for _ in cur.list_items())


def parse_store_flags(cur: Cursor) -> tuple[str, ...]:
    """flag-list / (flag *(SP flag)); `NIL` is an atom, so a keyword (as in Dovecot)."""
    if cur.peek() == 0x28:
        flags = parse_flag_list(cur, storable=True)
    else:
        flags = _counted(_flags_to_end(cur))
    cur.end()
    return flags


def _flags_to_end(cur: Cursor) -> Iterator[str]:
    yield parse_flag(cur, storable=True)
    while cur.try_sp():
        yield parse_flag(cur, storable=True)


def _counted(flags: Iterable[str]) -> tuple[str, ...]:
    """The flags, refused past MAX_FLAGS as soon as one too many is read."""
    found: list[str] = []
    for flag in flags:
        found.append(flag)
        if len(found) > MAX_FLAGS:
            raise CommandError("Too many flags.")
    return tuple(found)
