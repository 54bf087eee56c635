"""Sieve lexical tokens (RFC 5228 §8.1), each with its line and column.

The scan is linear: every token is found by a constant pattern anchored at the current
position or by ``str.find``; nothing is built from the script. Line and column come from
a table of line starts (one bisect per token), so a 1 MB script costs no rescans.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from hato.sieve._errors import SieveError

# number      = 1*DIGIT [ QUANTIFIER ]
# QUANTIFIER  = "K" / "M" / "G"
# identifier  = (ALPHA / "_") *(ALPHA / DIGIT / "_")
# tag         = ":" identifier
_NUMBER = re.compile(r"[0-9]+([KMGkmg]?)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHITE = re.compile(r"[ \t\r\n]+")
# quoted-text = *(quoted-safe / quoted-special / quoted-other)
# quoted-safe = CRLF / octet-not-qspecial ; quoted-special = "\" (DQUOTE / "\")
# quoted-other = "\" octet-not-qspecial  (an undefined escape stands for its character)
_QUOTED_RUN = re.compile(r'[^"\\]*')
_QUANTIFIERS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
_SINGLE = frozenset("[](){},;")
MAX_NUMBER = (1 << 63) - 1


@dataclass(frozen=True, slots=True)
class Token:
    """``kind`` is one of: identifier, tag, number, string, or the character itself."""

    kind: str
    value: str | int
    line: int
    column: int


class Lexer:
    """Tokens of one script, in order; ``SieveError`` at the first one that is not."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def where(self, pos: int) -> tuple[int, int]:
        """(line, column) of an offset, both counted from 1."""
        line = bisect.bisect_right(self._starts, pos)
        return line, pos - self._starts[line - 1] + 1

    def error(self, message: str, pos: int) -> SieveError:
        return SieveError(message, *self.where(pos))

    def tokens(self) -> Iterator[Token]:
        while self._skip_white():
            start = self.pos
            kind, value = self._token()
            yield Token(kind, value, *self.where(start))

    def _skip_white(self) -> bool:
        """Skip white-space and comments; False at the end of the script."""
        text = self.text
        while self.pos < len(text):
            white = _WHITE.match(text, self.pos)
            if white:
                self.pos = white.end()
            elif text.startswith("#", self.pos):
                self._hash_comment()
            elif text.startswith("/*", self.pos):
                self._bracket_comment()
            else:
                return True
        return False

    def _hash_comment(self) -> None:
        # hash-comment = "#" *octet-not-crlf CRLF  (the end of the script ends it too)
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end + 1

    def _bracket_comment(self) -> None:
        # bracket-comment = "/*" *not-star 1*STAR *(not-star-slash *not-star 1*STAR) "/"
        end = self.text.find("*/", self.pos + 2)
        if end < 0:
            raise self.error("unterminated /* comment", self.pos)
        self.pos = end + 2

    def _token(self) -> tuple[str, str | int]:
        char = self.text[self.pos]
        if char in _SINGLE:
            self.pos += 1
            return char, char
        if char == '"':
            return "string", self._quoted()
        if char == ":":
            return "tag", self._tag()
        if char.isdigit() and char.isascii():
            return "number", self._number()
        if self.text[self.pos : self.pos + 5].lower() == "text:":
            return "string", self._multiline()
        word = _IDENTIFIER.match(self.text, self.pos)
        if word is None:
            raise self.error(f"unexpected character {char!r}", self.pos)
        self.pos = word.end()
        return "identifier", word.group().lower()

    def _tag(self) -> str:
        word = _IDENTIFIER.match(self.text, self.pos + 1)
        if word is None:
            raise self.error("':' must be followed by a tag name", self.pos)
        self.pos = word.end()
        return word.group().lower()

    def _number(self) -> int:
        match = _NUMBER.match(self.text, self.pos)
        assert match is not None
        digits = match.group()[: len(match.group()) - len(match.group(1))]
        if len(digits) > 19:
            raise self.error("number too large", self.pos)
        value = int(digits) * _QUANTIFIERS[match.group(1).lower()]
        if value > MAX_NUMBER:
            raise self.error("number too large", self.pos)
        self.pos = match.end()
        return value

    def _quoted(self) -> str:
        """``DQUOTE quoted-text DQUOTE``; ``\\x`` stands for x (RFC 5228 §2.4.2)."""
        start, text, parts = self.pos, self.text, []
        self.pos += 1
        while True:
            run = _QUOTED_RUN.match(text, self.pos)
            assert run is not None
            parts.append(run.group())
            self.pos = run.end()
            if self.pos >= len(text):
                raise self.error("unterminated string", start)
            if text[self.pos] == '"':
                self.pos += 1
                return _crlf("".join(parts))
            if self.pos + 1 >= len(text):
                raise self.error("unterminated string", start)
            parts.append(text[self.pos + 1])
            self.pos += 2

    def _multiline(self) -> str:
        """A multi-line string with its dot-stuffing undone (RFC 5228 §2.4.2).

        multi-line = "text:" *(SP / HTAB) (hash-comment / CRLF)
                     *(multiline-literal / multiline-dotstart) "." CRLF
        multiline-literal  = [ octet-not-period *octet-not-crlf ] CRLF
        multiline-dotstart = "." 1*octet-not-crlf CRLF
        """
        start, text = self.pos, self.text
        self.pos += 5
        while text.startswith((" ", "\t"), self.pos):
            self.pos += 1
        if text.startswith("#", self.pos):
            self._hash_comment()
        elif text.startswith("\r\n", self.pos):
            self.pos += 2
        elif text.startswith("\n", self.pos):
            self.pos += 1
        else:
            raise self.error("text: must be followed by the end of the line", self.pos)
        lines: list[str] = []
        while True:
            end = text.find("\n", self.pos)
            if end < 0:
                raise self.error("multi-line string without its ending '.' line", start)
            line = text[self.pos : end].removesuffix("\r")
            self.pos = end + 1
            if line == ".":
                return "".join(lines)
            lines.append((line[1:] if line.startswith("..") else line) + "\r\n")


def _crlf(value: str) -> str:
    """Line breaks in a quoted string are CRLF in its value (RFC 5228 §2.4.2)."""
    if "\n" not in value:
        return value
    return value.replace("\r\n", "\n").replace("\n", "\r\n")
