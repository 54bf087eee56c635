"""Reading an mbox file (RFC 4155) one message at a time: mboxo and mboxrd alike.

Theory of operation: a line that starts with ``From `` begins a message (the
"From_" line: envelope sender and an asctime date, the INTERNALDATE). Inside a
message, mboxrd writes ``>From `` for ``From `` and adds one ``>`` to every
``>...>From ``; mboxo quotes only ``From ``. Taking one ``>`` off every
``>+From `` line undoes both (an mboxo line that really began ``>From `` is
the format's own loss). The empty line before the next From_ line belongs to
the separator. ``Status`` (R: seen) and ``X-Status`` (A: answered, F: flagged,
T: draft, D: deleted) are the mail readers' flag headers: they become flags
and leave the message, as Dovecot's mbox driver does. Lines become CRLF.

Memory is one message at a time; a message over ``max_size`` is skipped and
reported with the line its From_ line is on.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hato.migrate.problems import LineProblem

__all__ = ["MboxMessage", "read_mbox"]

_QUOTED_FROM = re.compile(rb">+From ")
_STATUS_FLAGS = {ord("R"): "\\Seen"}
_X_STATUS_FLAGS = {ord("A"): "\\Answered", ord("F"): "\\Flagged", ord("T"): "\\Draft"}
_X_STATUS_FLAGS[ord("D")] = "\\Deleted"


@dataclass(frozen=True, slots=True)
class MboxMessage:
    line: int  # of its From_ line
    content: bytes
    flags: frozenset[str]
    internal_date: int | None  # from the From_ line, when it has a readable date


def read_mbox(lines: Iterable[bytes], max_size: int) -> Iterator[MboxMessage | LineProblem]:
    """Each message of the file in order, or why one was skipped."""
    start, from_line, body, size = 0, b"", list[bytes](), 0
    for number, line in enumerate(lines, 1):
        if line.startswith(b"From "):
            if start > 0:
                yield _finish(start, from_line, body, size, max_size)
            start, from_line, body, size = number, line, [], 0
        elif not start:
            if line.strip():
                yield LineProblem(number, "text before the first From_ line, skipped")
                start = -1  # reported once; the rest up to a From_ line is dropped
        elif start > 0:
            size += len(line)
            if size <= max_size:
                body.append(_unquoted(line))
    if start > 0:
        yield _finish(start, from_line, body, size, max_size)


def _unquoted(line: bytes) -> bytes:
    return line[1:] if _QUOTED_FROM.match(line) else line


def _finish(
    start: int, from_line: bytes, body: list[bytes], size: int, max_size: int
) -> MboxMessage | LineProblem:
    if size > max_size:
        return LineProblem(start, f"message larger than {max_size} bytes, skipped")
    if body and body[-1].strip() == b"":
        body.pop()  # the separator's empty line
    if not body:
        return LineProblem(start, "empty message, skipped")
    lines = [line.rstrip(b"\r\n") + b"\r\n" for line in body]
    kept, flags = _take_status(lines)
    return MboxMessage(start, b"".join(kept), flags, _from_line_date(from_line))


def _take_status(lines: list[bytes]) -> tuple[list[bytes], frozenset[str]]:
    """The lines without Status/X-Status in the header, and the flags they held."""
    flags: set[str] = set()
    kept: list[bytes] = []
    in_header = True
    for line in lines:
        if in_header and line == b"\r\n":
            in_header = False
        name, colon, value = line.partition(b":")
        if in_header and colon and name.lower() in (b"status", b"x-status"):
            table = _STATUS_FLAGS if name.lower() == b"status" else _X_STATUS_FLAGS
            flags.update(table[c] for c in value.strip() if c in table)
            continue
        kept.append(line)
    return kept, frozenset(flags)


def _from_line_date(line: bytes) -> int | None:
    """RFC 4155 §2: the From_ line ends in an asctime date (UTC): ``Sat Jan  3 01:05:34 1996``."""
    text = line.decode("latin-1").rstrip("\r\n").split()
    if len(text) < 7:
        return None
    try:
        parsed = time.strptime(" ".join(text[-5:]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return calendar.timegm(parsed)
