"""Finding multipart delimiter lines (RFC 2046 §5.1.1), the way Dovecot does.

    dash-boundary := "--" boundary
    delimiter     := CRLF dash-boundary
    close-delimiter := delimiter "--"

The CRLF before a delimiter belongs to the delimiter, so the entity before it ends there.
As RFC 2046 §5.1.2 asks, every enclosing boundary is looked for at once, innermost first;
a line matches a boundary it starts with (so trailing white space is allowed), and when
several match the longest wins.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """A delimiter line found for ``stack[index]``."""

    index: int
    close: bool  # a close-delimiter ("--" after the boundary)
    cut: int  # where the entity before it ends: the start of the preceding [CR]LF
    after: int  # the offset just past the delimiter line


def find_delimiter(raw: bytes, start: int, stack: list[bytes], limit: int = -1) -> Hit | None:
    """The first delimiter line at or after ``start`` (a line start), before ``limit``."""
    if not stack:
        return None
    end = len(raw) if limit < 0 else limit
    if raw.startswith(b"--", start) and start < end:
        hit = _match(raw, start, start, stack)
        if hit is not None:
            return hit
    pos = start
    while (lf := raw.find(b"\n--", pos, end + 2)) >= 0 and lf + 1 < end:
        cut = lf - 1 if lf > start and raw[lf - 1] == 13 else lf
        hit = _match(raw, lf + 1, cut, stack)
        if hit is not None:
            return hit
        pos = lf + 1
    return None


def _match(raw: bytes, line: int, cut: int, stack: list[bytes]) -> Hit | None:
    eol = raw.find(b"\n", line)
    after = len(raw) if eol < 0 else eol + 1
    text = raw[line + 2 : len(raw) if eol < 0 else eol]
    if text.endswith(b"\r"):
        text = text[:-1]
    if len(text) > 2 and text.endswith(b"--"):
        text = text[:-2]
    best = -1
    for index in range(len(stack) - 1, -1, -1):
        boundary = stack[index]
        if text.startswith(boundary) and (best < 0 or len(stack[best]) < len(boundary)):
            best = index
            if len(boundary) == len(text):
                break
    if best < 0:
        return None
    close = raw.startswith(b"--", line + 2 + len(stack[best]))
    return Hit(best, close, cut, after)
