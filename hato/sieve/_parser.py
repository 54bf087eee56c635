"""Recursive-descent parser for the Sieve grammar (RFC 5228 §8.2), with a depth limit.

Blocks and tests nest; each level is one Python call, and the parser refuses to go
deeper than ``max_depth`` (an error at the line and column of the level too many), so a
script of 10,000 nested ``if`` is an error, never a RecursionError.

Strings of a script that requires "encoded-character" have their ``${hex:}`` and
``${unicode:}`` sequences decoded as they are parsed (RFC 5228 §2.4.2.4): ``require``
must come first (RFC 5228 §3.2), so the parser knows by then.
"""

from __future__ import annotations

import re

from hato.sieve._ast import Argument, Command, Number, Script, Strings, Tag, Test
from hato.sieve._errors import SieveError
from hato.sieve._lexer import Lexer, Token

MAX_DEPTH = 32  # blocks and tests together; Pigeonhole allows 32 of each
MAX_SCRIPT_SIZE = 1 << 20

_END = Token("end", "", 0, 0)


def parse(text: str | bytes, max_size: int = MAX_SCRIPT_SIZE, max_depth: int = MAX_DEPTH) -> Script:
    """Parse a script; ``SieveError`` with line and column if it is not Sieve.

    start = commands  (RFC 5228 §8.2)
    """
    if len(text) > max_size:
        raise SieveError(f"script of {len(text)} octets is over the limit of {max_size}")
    if isinstance(text, bytes):
        text = _utf8(text)
    return _Parser(text, max_depth).script()


def _utf8(data: bytes) -> str:
    """A script is UTF-8 (RFC 5228 §2.2); the error names where it is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        raise Lexer(good).error("script is not UTF-8", len(good)) from None


class _Parser:
    def __init__(self, text: str, max_depth: int) -> None:
        self.lexer = Lexer(text)
        self.stream = self.lexer.tokens()
        self.max_depth = max_depth
        self.depth = 0
        self.requires: set[str] = set()
        self.decode = False
        self.in_preamble = True
        self.current = next(self.stream, _END)

    def advance(self) -> Token:
        token = self.current
        self.current = next(self.stream, _END)
        return token

    def error(self, message: str, token: Token | None = None) -> SieveError:
        token = token or self.current
        if token is _END:
            line, column = self.lexer.where(len(self.lexer.text))
            return SieveError(message, line, column)
        return SieveError(message, token.line, token.column)

    def expect(self, kind: str, what: str) -> Token:
        if self.current.kind != kind:
            raise self.error(f"expected {what}, found {_describe(self.current)}")
        return self.advance()

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.error(f"nested more than {self.max_depth} deep", token)

    def script(self) -> Script:
        commands = self.commands()
        if self.current is not _END:
            raise self.error(f"unexpected {_describe(self.current)}")
        return Script(commands, frozenset(self.requires))

    def commands(self) -> tuple[Command, ...]:
        """commands = *command"""
        out = []
        while self.current.kind == "identifier":
            out.append(self.command())
        return tuple(out)

    def command(self) -> Command:
        """command = identifier arguments (";" / block)"""
        name = self.advance()
        self.check_preamble(name)
        arguments, tests, test_list = self.arguments()
        block = None
        if self.current.kind == "{":
            block = self.block()
        elif self.current.kind != ";":
            raise self.error(f"expected ';' or '{{' after {name.value}")
        else:
            self.advance()
        command = Command(
            str(name.value), arguments, tests, block, name.line, name.column, test_list
        )
        self.note_require(command)
        return command

    def check_preamble(self, name: Token) -> None:
        """``require`` comes before any other command (RFC 5228 §3.2)."""
        if name.value != "require":
            self.in_preamble = False
        elif not self.in_preamble:
            raise self.error("require must come before other commands", name)

    def note_require(self, command: Command) -> None:
        """The capabilities a ``require`` names; strings after it may be decoded."""
        if command.name != "require":
            return
        for argument in command.arguments:
            if isinstance(argument, Strings):
                self.requires.update(value.lower() for value in argument.values)
        self.decode = "encoded-character" in self.requires

    def block(self) -> tuple[Command, ...]:
        """block = "{" commands "}" """
        opening = self.advance()
        self.enter(opening)
        commands = self.commands()
        self.expect("}", "'}' or a command")
        self.depth -= 1
        return commands

    def arguments(self) -> tuple[tuple[Argument, ...], tuple[Test, ...], bool]:
        """arguments = *argument [ test / test-list ]"""
        out: list[Argument] = []
        while True:
            argument = self.argument()
            if argument is None:
                break
            out.append(argument)
        if self.current.kind == "(":
            return tuple(out), self.test_list(), True
        if self.current.kind == "identifier":
            return tuple(out), (self.test(),), False
        return tuple(out), (), False

    def argument(self) -> Argument | None:
        """argument = string-list / number / tag"""
        token = self.current
        if token.kind == "tag":
            self.advance()
            return Tag(str(token.value), token.line, token.column)
        if token.kind == "number":
            self.advance()
            return Number(int(token.value), token.line, token.column)
        if token.kind == "string":
            self.advance()
            return Strings((self.string(token),), False, token.line, token.column)
        if token.kind == "[":
            return self.string_list()
        return None

    def string(self, token: Token) -> str:
        """string = quoted-string / multi-line"""
        value = str(token.value)
        if self.decode and "${" in value:
            return decode_encoded(value, token, self)
        return value

    def string_list(self) -> Strings:
        """string-list = "[" string *("," string) "]" / string"""
        opening = self.advance()
        values = [self.string(self.expect("string", "a string"))]
        while self.current.kind == ",":
            self.advance()
            values.append(self.string(self.expect("string", "a string")))
        self.expect("]", "',' or ']'")
        return Strings(tuple(values), True, opening.line, opening.column)

    def test_list(self) -> tuple[Test, ...]:
        """test-list = "(" test *("," test) ")" """
        opening = self.advance()
        self.enter(opening)
        tests = [self.test()]
        while self.current.kind == ",":
            self.advance()
            tests.append(self.test())
        self.expect(")", "',' or ')'")
        self.depth -= 1
        return tuple(tests)

    def test(self) -> Test:
        """test = identifier arguments"""
        name = self.expect("identifier", "a test")
        self.enter(name)
        arguments, tests, test_list = self.arguments()
        self.depth -= 1
        return Test(str(name.value), arguments, tests, name.line, name.column, test_list)


# encoded-arb-octets   = "${hex:" hex-pair-seq "}"
# hex-pair-seq         = *blank hex-pair *(1*blank hex-pair) *blank
# hex-pair             = 1*2HEXDIG
# encoded-unicode-char = "${unicode:" unicode-hex-seq "}"
# unicode-hex-seq      = *blank unicode-hex *(1*blank unicode-hex) *blank
# unicode-hex          = 1*HEXDIG
# blank                = WSP / CRLF
_ENCODED = re.compile(r"\$\{(hex|unicode):([ \t\r\n0-9A-Fa-f]*)\}", re.IGNORECASE)


def decode_encoded(value: str, token: Token, parser: _Parser) -> str:
    """Decode encoded-character sequences (RFC 5228 §2.4.2.4); malformed ones stay."""

    def one(match: re.Match[str]) -> str:
        items = match.group(2).split()
        if not items:
            return match.group()
        if match.group(1).lower() == "hex":
            if any(len(item) > 2 for item in items):
                return match.group()
            return bytes(int(item, 16) for item in items).decode("utf-8", "replace")
        return "".join(_code_point(item, token, parser) for item in items)

    return _ENCODED.sub(one, value)


def _code_point(item: str, token: Token, parser: _Parser) -> str:
    """A unicode-hex; a surrogate or a value past U+10FFFF is an error (§2.4.2.4)."""
    value = int(item, 16) if len(item) <= 8 else 0x110000
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        raise parser.error(f"invalid unicode character {item} in ${{unicode:}}", token)
    return chr(value)


def _describe(token: Token) -> str:
    if token is _END:
        return "end of script"
    if token.kind in ("identifier", "tag", "number"):
        return f"{token.kind} {token.value}"
    if token.kind == "string":
        return "a string"
    return repr(token.kind)
