"""ImapReader: bytes in, complete commands out (RFC 3501 §2.2, §4.3, §7.5).

Theory of operation.  A command is one or more lines; a line that ends with a
literal header (`{n}`, `{n+}` of LITERAL+ RFC 7888, `~{n}` of RFC 3516) is
followed by exactly n octets and then the rest of the command.  The reader
collects these pieces, joins them (header + CRLF + data, so literals stay
self-delimiting) and hands the whole command to the grammar.

    literal  = "{" number ["+"] "}" CRLF *CHAR8
    literal8 = "~{" number ["+"] "}" CRLF *OCTET

For a synchronizing literal it stops with `ContinuationNeeded`; the adapter
sends `+ OK` and keeps feeding bytes.  Limits keep a client from growing our
buffers: a line (without its literals) longer than `max_line` is answered
with BAD and skipped up to its CRLF; a literal larger than `max_literal` is
refused before the client sends it if it is synchronizing (`NO [TOOBIG]`),
and read and thrown away if it is not (`BAD [TOOBIG]`, the client sends it
regardless), together with the rest of that command.  Only APPEND and REPLACE carry
messages (RFC 3501 §6.3.11, RFC 8508 §3); any other command, literals included, is held to
`MAX_ARGUMENTS`, which bounds what its parser and handler work through.  Either
way the stream stays in step.  Given a `spool`, literals above `spool_above`
octets go to a sink as they arrive instead of the buffer
(hato.proto.imap._spool).  Two one-line modes serve AUTHENTICATE (RFC 3501
§6.2.2) and IDLE (RFC 2177): the dispatcher switches them on after sending its
`+`.
"""

from __future__ import annotations

import re
from enum import Enum

from ._commands import Command
from ._events import ContinuationNeeded, IdleDone, ParseError, SaslResponse
from ._grammar import SERVER_ERROR, parse_command, read_tag
from ._spool import LiteralSink, SpooledLiteral, SpoolFactory
from ._tokens import Utf8Mode

__all__ = ["MAX_ARGUMENTS", "Event", "ImapReader"]

MAX_ARGUMENTS = 1024 * 1024  # octets of a command other than APPEND, literals included

Event = Command | ParseError | ContinuationNeeded | SaslResponse | IdleDone
_LITERAL_AT_END = re.compile(rb"~?\{(\d+)(\+?)\}\Z")
_NAME = re.compile(rb"[^ ]+ ([A-Za-z]+)(?: ([A-Za-z]+))?")


class _Mode(Enum):
    COMMAND = 1
    SASL = 2
    IDLE = 3


class ImapReader:
    """The receiving half of the IMAP server core; no I/O of its own."""

    def __init__(
        self,
        *,
        max_line: int = 64 * 1024,
        max_literal: int = 64 * 1024 * 1024,
        max_command: int = 256 * 1024 * 1024,
        spool: SpoolFactory | None = None,
        spool_above: int = 1024 * 1024,
    ) -> None:
        self.max_line = max_line
        self.max_literal = max_literal
        self.max_command = max_command  # all literals of one command (MULTIAPPEND)
        self.spool = spool
        self.spool_above = spool_above
        self.utf8 = Utf8Mode.OFF  # after ENABLE UTF8=ACCEPT or IMAP4rev2 (hato.imap.session)
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf known to hold no LF
        self._parts: list[bytes] = []
        self._held = 0  # octets in _parts
        self._limit = max_command  # octets the command being read may hold
        self._literal: int | None = None  # octets of literal data still to come
        self._discard = 0  # octets of a refused literal still to drop
        self._dropping = False  # throwing away the rest of a refused command
        self._skipping = False  # throwing away an overlong line up to its LF
        self._mode = _Mode.COMMAND
        self._sink: LiteralSink | None = None  # where the literal being read goes
        self._sink_size = 0
        self._spooled: dict[int, SpooledLiteral] = {}  # by offset in the command's data
        self._spooled_octets = 0
        self._handed: list[LiteralSink] = []  # the last command's, closed on the next event

    def receive_data(self, data: bytes) -> None:
        """Add bytes read from the connection."""
        self._buf += data

    def expect_sasl_response(self) -> None:
        """The next line is an AUTHENTICATE response (after a `+ ...` was sent)."""
        self._mode = _Mode.SASL

    def expect_idle_done(self) -> None:
        """The next line ends IDLE (after `+ idling` was sent)."""
        self._mode = _Mode.IDLE

    def take_unread(self) -> bytes:
        """Bytes received but not yet read, taken out (after COMPRESS, RFC 4978 §3,
        they are the start of the client's compressed stream)."""
        unread = bytes(self._buf)
        self._buf.clear()
        self._scanned = 0
        return unread

    @property
    def in_command(self) -> bool:
        """True while part of a command (or a literal) has been read."""
        return bool(self._parts) or self._literal is not None

    def close(self) -> None:
        """Close every sink still open (the connection is gone)."""
        self._release_handed()
        self._reset()

    def next_event(self) -> Event | None:
        """The next event, or None when more bytes are needed."""
        self._release_handed()
        while True:
            if self._discard:
                if not self._drop_literal():
                    return None
                continue
            if self._literal is not None:
                if not self._take_literal():
                    return None
                continue
            line = self._take_line()
            if line is None:
                return self._overlong() if len(self._buf) > self.max_line else None
            event = self._handle_line(line)
            if event is not None:
                return event

    def _drop_literal(self) -> bool:
        dropped = min(self._discard, len(self._buf))
        del self._buf[:dropped]
        self._discard -= dropped
        return self._discard == 0

    def _take_literal(self) -> bool:
        if self._sink is not None:
            return self._spool_literal(self._sink)
        size = self._literal or 0
        if len(self._buf) < size:
            return False
        self._hold(bytes(self._buf[:size]))
        del self._buf[:size]
        self._literal = None
        return True

    def _spool_literal(self, sink: LiteralSink) -> bool:
        """Move what has arrived of the literal to its sink; True once it is whole."""
        remaining = self._literal or 0
        taken = min(remaining, len(self._buf))
        if taken:
            sink.write(bytes(self._buf[:taken]))
            del self._buf[:taken]
        self._literal = remaining - taken
        if self._literal:
            return False
        self._spooled[self._held] = SpooledLiteral(self._sink_size, sink)  # _held: its offset
        self._spooled_octets += self._sink_size
        self._sink = None
        self._literal = None
        return True

    def _release_handed(self) -> None:
        handed, self._handed = self._handed, []
        for sink in handed:
            sink.close()

    def _take_line(self) -> bytes | None:
        while True:
            end = self._buf.find(b"\n", self._scanned)
            if end < 0:
                self._scanned = len(self._buf)
                if self._skipping:
                    self._buf.clear()
                    self._scanned = 0
                return None
            line = bytes(self._buf[:end])
            del self._buf[: end + 1]
            self._scanned = 0
            if not self._skipping:
                return line[:-1] if line.endswith(b"\r") else line
            self._skipping = False

    def _overlong(self) -> ParseError:
        """RFC 3501 §4.3 leaves the line limit to us; say so and skip to the LF.

        An AUTHENTICATE response or IDLE's DONE that is too long ends its one-line
        mode too: the handler gets this error instead, and the client's next line
        is a command again.
        """
        first = self._parts[0] if self._parts else bytes(self._buf[:256])
        self._reset()
        self._mode = _Mode.COMMAND
        self._skipping = True
        self._buf.clear()
        self._scanned = 0
        return self._error(first, "IMAP command line too large.")

    def _hold(self, part: bytes) -> None:
        self._parts.append(part)
        self._held += len(part)

    def _reset(self) -> None:
        self._parts.clear()
        self._held = 0
        self._literal = None
        sinks = [spooled.sink for spooled in self._spooled.values()]
        if self._sink is not None:
            sinks.append(self._sink)
        self._sink, self._spooled, self._spooled_octets = None, {}, 0
        for sink in sinks:
            sink.close()

    def _error(self, first: bytes, detail: str) -> ParseError:
        name = _name(first)
        prefix = f"Error in IMAP command {name}" if name else SERVER_ERROR[:-1]
        return ParseError(read_tag(first), "BAD", f"{prefix}: {detail}")

    def _handle_line(self, line: bytes) -> Event | None:
        if self._mode is not _Mode.COMMAND:
            return self._special_line(line)
        if self._dropping:
            self._drop_line(line)
            return None
        if len(line) > self.max_line:
            self._hold(line)
            event = self._error(self._parts[0], "IMAP command line too large.")
            self._reset()
            return event
        found = _LITERAL_AT_END.search(line)
        if found is None:
            return self._complete(line)
        return self._literal_header(line, int(found.group(1)), bool(found.group(2)))

    def _special_line(self, line: bytes) -> Event:
        mode, self._mode = self._mode, _Mode.COMMAND
        if mode is _Mode.SASL:
            return SaslResponse(line)
        return IdleDone(line.strip().upper() == b"DONE")

    def _drop_line(self, line: bytes) -> None:
        found = _LITERAL_AT_END.search(line)
        if found is not None and found.group(2):
            self._discard = int(found.group(1))
        else:
            self._dropping = False

    def _complete(self, line: bytes) -> Event | None:
        self._hold(line)
        data = b"".join(self._parts)
        spooled, self._spooled = self._spooled, {}
        self._handed = [literal.sink for literal in spooled.values()]
        self._reset()
        if not data.strip():
            return None  # an empty line is not a command; telnet users press Enter
        return parse_command(data, spooled=spooled, utf8=self.utf8)

    def _literal_header(self, line: bytes, size: int, nonsync: bool) -> Event | None:
        first = self._parts[0] if self._parts else line
        if not self._parts:  # the command's first line: its name says what it may hold
            self._limit = self.max_command if _name(line) in _CARRY_MESSAGES else MAX_ARGUMENTS
        held = self._held + self._spooled_octets + len(line)
        if size > self.max_literal or held + size > self._limit:
            return self._refuse_literal(first, size, nonsync)
        self._hold(line + b"\r\n")
        self._literal = size
        if self.spool is not None and size > self.spool_above:
            self._sink, self._sink_size = self.spool(), size
        return None if nonsync else ContinuationNeeded(read_tag(first), size)

    def _refuse_literal(self, first: bytes, size: int, nonsync: bool) -> ParseError:
        self._reset()
        tag = read_tag(first)
        if not nonsync:
            return ParseError(tag, "NO", "Literal size too large.", "TOOBIG")
        self._discard = size
        self._dropping = True
        error = self._error(first, "Literal size too large.")
        return ParseError(error.tag, "BAD", error.text, "TOOBIG")


#: commands whose literals are messages (RFC 3501 §6.3.11, RFC 8508 §3): up to max_command
_CARRY_MESSAGES = frozenset({"APPEND", "REPLACE", "UID REPLACE"})


def _name(first: bytes) -> str:
    found = _NAME.match(first)
    if found is None or len(found.group(1)) > 32:
        return ""
    name = found.group(1).upper().decode()
    if name == "UID" and found.group(2):
        name += " " + found.group(2).upper().decode()
    return name
