"""A cursor over one complete command: the lexical rules of RFC 3501 §9.

The reader hands over the whole command, literals included, as one bytes
object in which every literal header is followed by CRLF and exactly `n`
bytes of data, so literals are self-delimiting and parsed in place.

    atom            = 1*ATOM-CHAR
    ATOM-CHAR       = <any CHAR except atom-specials>
    atom-specials   = "(" / ")" / "{" / SP / CTL / list-wildcards /
                      quoted-specials / resp-specials
    astring         = 1*ASTRING-CHAR / string
    ASTRING-CHAR    = ATOM-CHAR / resp-specials
    string          = quoted / literal
    quoted          = DQUOTE *QUOTED-CHAR DQUOTE
    QUOTED-CHAR     = <any TEXT-CHAR except quoted-specials> /
                      "\\" quoted-specials
    literal         = "{" number ["+"] "}" CRLF *CHAR8   ; RFC 7888 adds "+"
    literal8        = "~{" number ["+"] "}" CRLF *OCTET  ; RFC 3516
    nstring         = string / nil
    number          = 1*DIGIT                ; unsigned 32-bit
    nz-number       = digit-nz *DIGIT
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from enum import IntEnum

from ._events import CommandError
from ._spool import SpooledLiteral

__all__ = ["Cursor", "Utf8Mode"]


class Utf8Mode(IntEnum):
    """How a session takes UTF-8.  OFF: IMAP4rev1, names in modified UTF-7.  NAMES:
    IMAP4rev2's UTF-8 mailbox names (RFC 9051 §5.1).  ACCEPT: ENABLE UTF8=ACCEPT
    (RFC 6855): UTF-8 names, ``UTF8 (literal8)`` in APPEND (§4), no SEARCH CHARSET (§3)."""

    OFF = 0
    NAMES = 1
    ACCEPT = 2


_ATOM = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\\]]+')
_ASTRING = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\]+')
# list-mailbox = 1*list-char / string;  list-char = ATOM-CHAR / list-wildcards / resp-specials
_LIST_CHARS = re.compile(rb'[^\x00-\x20\x7f-\xff(){"\\]+')
_QUOTED = re.compile(rb'"((?:[^"\\\r\n]|\\["\\])*)"')
_LITERAL = re.compile(rb"(~?)\{(\d{1,20})(\+?)\}\r\n")
_NUMBER = re.compile(rb"\d{1,20}")
_UNESCAPE = re.compile(rb"\\([\"\\])")
MAX_NUMBER = 0xFFFFFFFF
MAX_NUMBER64 = 0x7FFFFFFFFFFFFFFF  # mod-sequence-value, RFC 7162 §7: < 2^63


class Cursor:
    """Reads tokens from `data` starting at `pos`; every failure raises CommandError.

    `spooled` maps the offset where a literal's data would start to that literal,
    when the reader kept it out of `data` (hato.proto.imap._spool).
    `text_codec` decodes the strings of a search program: the codec of its CHARSET
    (RFC 3501 §6.4.4), or None for a charset we do not know (read as UTF-8 with
    replacement, since the command is refused with BADCHARSET anyway).
    `utf8` is the session's `Utf8Mode`.
    """

    __slots__ = ("data", "pos", "spooled", "text_codec", "utf8")

    def __init__(
        self,
        data: bytes,
        pos: int = 0,
        spooled: Mapping[int, SpooledLiteral] | None = None,
        utf8: Utf8Mode = Utf8Mode.OFF,
    ) -> None:
        self.data = data
        self.pos = pos
        self.spooled: Mapping[int, SpooledLiteral] = spooled or {}
        self.text_codec: str | None = "utf-8"
        self.utf8 = utf8

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def peek(self) -> int:
        """The next byte, or -1 at the end."""
        return self.data[self.pos] if self.pos < len(self.data) else -1

    def try_byte(self, char: bytes) -> bool:
        """Consume `char` (one byte) if it comes next."""
        if self.data.startswith(char, self.pos):
            self.pos += 1
            return True
        return False

    def expect(self, char: bytes) -> None:
        if not self.try_byte(char):
            raise CommandError(self._missing(char))

    def _missing(self, char: bytes) -> str:
        if char == b")":
            return "Missing ')'" if self.at_end() else "Invalid arguments."
        return "Invalid arguments." if not self.at_end() else "Missing arguments."

    def sp(self) -> None:
        """SP = %x20, exactly one."""
        self.expect(b" ")

    def try_sp(self) -> bool:
        return self.try_byte(b" ")

    def end(self) -> None:
        """The command must end here (RFC 3501 §9: command ... CRLF)."""
        if not self.at_end():
            raise CommandError("Invalid arguments.")

    def _match(self, pattern: re.Pattern[bytes]) -> bytes | None:
        found = pattern.match(self.data, self.pos)
        if found is None:
            return None
        self.pos = found.end()
        return found.group()

    def atom(self) -> str:
        """atom = 1*ATOM-CHAR (never 8-bit: Dovecot says "8bit data in atom")."""
        found = self._match(_ATOM)
        if found is None:
            raise CommandError(self._bad_atom())
        self._no_8bit_after()
        return found.decode("ascii")

    def keyword(self) -> str:
        """An atom compared case-insensitively (command and item names)."""
        return self.atom().upper()

    def _bad_atom(self) -> str:
        if self.at_end():
            return "Missing arguments."
        return "8bit data in atom" if self.peek() >= 0x80 else "Invalid arguments."

    def _no_8bit_after(self) -> None:
        if self.peek() >= 0x80:
            raise CommandError("8bit data in atom")

    def astring(self) -> bytes:
        """astring = 1*ASTRING-CHAR / string."""
        found = self._match(_ASTRING)
        if found is not None:
            self._no_8bit_after()
            return found
        return self.string()

    def list_mailbox(self) -> bytes:
        """list-mailbox = 1*list-char / string (RFC 3501 §9, for LIST/LSUB)."""
        found = self._match(_LIST_CHARS)
        if found is not None:
            self._no_8bit_after()
            return found
        return self.string()

    def string(self, *, literal8: bool = False) -> bytes:
        """string = quoted / literal  (literal8 only where the grammar allows it)."""
        char = self.peek()
        if char == 0x22:  # DQUOTE
            return self.quoted()
        if char in (0x7B, 0x7E):  # "{" or "~"
            return self.literal(literal8=literal8)[0]
        raise CommandError(self._bad_atom())

    def quoted(self) -> bytes:
        """quoted = DQUOTE *QUOTED-CHAR DQUOTE (8-bit passes, per RFC 6855)."""
        found = _QUOTED.match(self.data, self.pos)
        if found is None:
            raise CommandError("Missing '\"'" if self.peek() == 0x22 else "Invalid arguments.")
        self.pos = found.end()
        body = found.group(1)
        return _UNESCAPE.sub(rb"\1", body) if b"\\" in body else body

    def literal(self, *, literal8: bool = False) -> tuple[bytes, bool]:
        """literal / literal8; returns (data, is_literal8), a spooled literal loaded."""
        data, is8 = self.message_literal(literal8=literal8)
        return (data.read() if isinstance(data, SpooledLiteral) else data), is8

    def message_literal(self, *, literal8: bool = False) -> tuple[bytes | SpooledLiteral, bool]:
        """literal / literal8 holding a message (APPEND): a spooled one stays spooled."""
        found = _LITERAL.match(self.data, self.pos)
        if found is None:
            raise CommandError("Invalid arguments.")
        is8 = bool(found.group(1))
        if is8 and not literal8:
            raise CommandError("Invalid arguments.")
        start = found.end()
        spooled = self.spooled.get(start)
        if spooled is not None:
            self.pos = start
            return spooled, is8
        size = int(found.group(2))
        if start + size > len(self.data):
            raise CommandError("Literal size too large")
        self.pos = start + size
        return self.data[start : self.pos], is8

    def at_literal(self) -> bool:
        return self.peek() in (0x7B, 0x7E) and _LITERAL.match(self.data, self.pos) is not None

    def nstring(self) -> bytes | None:
        """nstring = string / nil."""
        if self.try_nil():
            return None
        return self.string()

    def try_nil(self) -> bool:
        """nil = "NIL" (case-insensitive, and only as a whole atom)."""
        end = self.pos + 3
        if self.data[self.pos : end].upper() == b"NIL" and (
            end == len(self.data) or self.data[end] in b" )"
        ):
            self.pos = end
            return True
        return False

    def number(self, maximum: int = MAX_NUMBER) -> int:
        """number = 1*DIGIT, at most `maximum`."""
        found = self._match(_NUMBER)
        if found is None:
            raise CommandError(self._bad_atom())
        value = int(found)
        if value > maximum:
            raise CommandError("Invalid arguments.")
        return value

    def nz_number(self, maximum: int = MAX_NUMBER) -> int:
        """nz-number = digit-nz *DIGIT."""
        value = self.number(maximum)
        if value == 0:
            raise CommandError("Invalid arguments.")
        return value

    def list_items(self) -> Iterator[int]:
        """Walk "(" elem *(SP elem) ")"; the caller parses each element."""
        self.expect(b"(")
        index = 0
        while not self.try_byte(b")"):
            if self.at_end():
                raise CommandError("Missing ')'")
            if index:
                self.sp()
            yield index
            index += 1
