"""ManageSieve (RFC 5804), sans-IO: commands parsed from bytes, responses encoded.

``CommandReader`` is fed what the client sent and gives back one ``Command`` at
a time (its name and its string arguments: quoted strings, literals, atoms and
numbers), or a ``BadCommand`` for a line that cannot be one, after which the
session goes on. Literals are taken in both forms (``{N+}`` and ``{N}``: RFC
5804 §4 defines only the first for clients; the second is sent by some, and no
continuation is ever asked for). Every input is bounded: a line without its
literals, a literal, the arguments of one command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "MAX_ARGUMENTS",
    "MAX_LINE",
    "BadCommand",
    "Command",
    "CommandReader",
    "capability_lines",
    "response",
    "script_line",
    "string",
]

MAX_LINE = 8192
MAX_ARGUMENTS = 4
_MAX_QUOTED = 1024  # RFC 5804 §4: a quoted string is at most 1024 octets
_LITERAL = re.compile(rb"\{(\d{1,10})(\+?)\}\Z")
_ATOM_END = b' "{'


@dataclass(frozen=True, slots=True)
class Command:
    """``name`` upper-cased; empty for a bare SASL response line (RFC 5804 §2.1)."""

    name: str
    arguments: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class BadCommand:
    """A line that is no command: answered with NO, and the session goes on."""

    reason: str


class CommandReader:
    """Bytes in, commands out; nothing is parsed twice."""

    def __init__(self, max_literal: int) -> None:
        self._buffer = bytearray()
        self._max_literal = max_literal
        self._pending: Command | None = None  # the command whose line a literal interrupted
        self._literal = 0  # octets of a literal still to take
        self._skip = 0  # octets of a literal over the limit, still to drop
        self._discarding = False  # the rest of a line over the limit is dropped
        self._error = ""

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next(self, expect_name: bool = True) -> Command | BadCommand | None:
        """The next complete command, or None until more bytes come."""
        buffer = self._buffer
        while True:
            if self._skip:
                dropped = min(self._skip, len(buffer))
                del buffer[:dropped]
                self._skip -= dropped
                if self._skip:
                    return None
            if self._literal:
                if len(buffer) < self._literal:
                    return None
                self._add(bytes(buffer[: self._literal]))
                del buffer[: self._literal]
                self._literal = 0
            end = buffer.find(b"\n")
            if end < 0:
                if len(buffer) > MAX_LINE:
                    buffer.clear()
                    self._discarding = True
                return None
            line = bytes(buffer[:end]).removesuffix(b"\r")
            del buffer[: end + 1]
            if self._discarding:
                self._discarding = False
                self._reset()
                return BadCommand("Line too long.")
            if not line and self._pending is None:
                continue  # an empty line is no command (a telnet user's extra Enter)
            if len(line) > MAX_LINE:
                self._reset()
                return BadCommand("Line too long.")
            done = self._segment(line, expect_name)
            if done is not None:
                return done

    def _segment(self, line: bytes, expect_name: bool) -> Command | BadCommand | None:
        """One line's part of a command: the command, or None when a literal follows."""
        if self._pending is None:
            name, line = _name(line) if expect_name else ("", line)
            self._pending = Command(name, ())
            if expect_name and not name:
                self._error = "Expected a command name."
        pos = 0
        while pos < len(line) and not self._error:
            if line[pos] == 0x20:
                pos += 1
                continue
            literal = _LITERAL.match(line, pos)
            if literal:
                size = int(literal.group(1))
                if size > self._max_literal:
                    self._error = f"Literal too large (at most {self._max_literal} octets)."
                    self._skip = size
                else:
                    self._literal = size
                if size:
                    return None
                self._add(b"")
                return None
            pos = self._token(line, pos)
        return self._finish()

    def _token(self, line: bytes, pos: int) -> int:
        if line[pos] == 0x22:  # '"'
            value, pos = _quoted(line, pos + 1)
            if value is None:
                self._error = "Bad quoted string."
            else:
                self._add(value)
            return pos
        end = pos
        while end < len(line) and line[end] not in _ATOM_END:
            end += 1
        if end == pos:
            self._error = "Unexpected character."
            return len(line)
        self._add(line[pos:end])
        return end

    def _add(self, value: bytes) -> None:
        assert self._pending is not None
        if len(self._pending.arguments) >= MAX_ARGUMENTS:
            self._error = "Too many arguments."
            return
        self._pending = Command(self._pending.name, (*self._pending.arguments, value))

    def _finish(self) -> Command | BadCommand:
        pending, error = self._pending, self._error
        self._reset()
        if error or pending is None:
            return BadCommand(error or "Empty command.")
        return pending

    def _reset(self) -> None:
        self._pending, self._error = None, ""


def _name(line: bytes) -> tuple[str, bytes]:
    end = line.find(b" ")
    word = line if end < 0 else line[:end]
    if not word.isalpha() or len(word) > 32:
        return "", line
    return word.decode("ascii").upper(), (b"" if end < 0 else line[end:])


def _quoted(line: bytes, pos: int) -> tuple[bytes | None, int]:
    """A quoted string's value from just after its opening quote (RFC 5804 §4)."""
    out = bytearray()
    while pos < len(line):
        char = line[pos]
        if char == 0x22:
            return (bytes(out) if len(out) <= _MAX_QUOTED else None), pos + 1
        if char == 0x5C:  # backslash: only \" and \\ are escapes
            pos += 1
            if pos >= len(line) or line[pos] not in b'"\\':
                return None, len(line)
            char = line[pos]
        out.append(char)
        pos += 1
    return None, len(line)


def string(value: str | bytes) -> bytes:
    """A quoted string when it can be one, else a literal (RFC 5804 §4)."""
    data = value.encode() if isinstance(value, str) else value
    if len(data) <= _MAX_QUOTED and b"\r" not in data and b"\n" not in data:
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return b"{%d}\r\n" % len(data) + data


def response(kind: str, text: str = "", code: str | None = None) -> bytes:
    """``OK``, ``NO`` or ``BYE``, a response code in parentheses, and a text (RFC 5804 §1.3)."""
    line = kind.encode()
    if code:
        line += b" (" + code.encode() + b")"
    if text:
        line += b" " + string(text)
    return line + b"\r\n"


def capability_lines(capabilities: Iterable[tuple[str, str | None]]) -> bytes:
    """One line per capability (RFC 5804 §1.7): its name and its value, both quoted."""
    lines = []
    for name, value in capabilities:
        lines.append(string(name) + (b" " + string(value) if value is not None else b""))
    return b"".join(line + b"\r\n" for line in lines)


def script_line(name: str, active: bool) -> bytes:
    """A LISTSCRIPTS line (RFC 5804 §2.7)."""
    return string(name) + (b" ACTIVE" if active else b"") + b"\r\n"
