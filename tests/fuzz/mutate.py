"""Hypothesis strategies: fuzz cases made of mutated valid commands and random bytes.

A case is a state (reached with valid commands first) and a payload: one to
four lines, each a seed from the state's corpus mutated a few times, or
random bytes, each with a line end drawn from the odd ones too (bare LF,
bare CR, none at all, so lines run together and the last may stay open).
The mutations are the classic ones, aimed at what breaks parsers: tokens
replaced by huge numbers, literal headers and quoting characters; slices
deleted, repeated (long lines, deep nesting) or truncated; whitespace made
odd; bytes that are not UTF-8.  The case ends either politely (whatever is
open is completed, then a probe command) or with the client hanging up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

__all__ = ["Case", "cases"]

#: A line the mutator will not grow past (a few times any server's line limit).
MAX_LINE = 300_000

HUGE_NUMBERS = (
    b"0", b"-1", b"4294967295", b"4294967296", b"18446744073709551616", b"9" * 40, b"9" * 5000,
)  # fmt: skip
TOKENS = (
    *HUGE_NUMBERS, b"*", b"1:*", b"*:*", b"$", b"%", b"NIL", b"()", b"(", b")", b'"', b'""',
    b"\\", b'"\\', b"[", b"]", b"<", b">", b"<>", b"<0.4294967296>", b"{0}", b"{1}", b"{5+}",
    b"~{3}", b"{4294967296}", b"{99999999999999999999+}", b"BODY[", b"BODY[1.2.3.4.5.6.7.8]",
    b"=", b"==", b"=?utf-8?b?====?=", b"@", b"<@a,@b:x@y>", b"<x@[IPv6:::1]>", b"[1.2.3.4]",
    b"SIZE=99999999999999999999", b"CHARSET", b"punycode", b"utf-32", b"OR", b"NOT",
    b"\x00", b"\x7f", b"\r", b"\n", b"\t",
)  # fmt: skip
NOT_UTF8 = (
    b"\xff",
    b"\xc3\x28",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf8\x88\x80\x80\x80",
    b"\xfe\xff",
)
ODD_SPACES = (b"\t", b"  ", b"", b" \t ", b"\r", b"\x0b", b"\xc2\xa0", b"\x00")
LINE_ENDS = (b"\r\n",) * 8 + (b"\n", b"", b"\r", b"\r\r\n", b"\n\r\n")
LITERAL_SIZES = (0, 1, 5, 100, 100_000, 100_001, 2**31, 2**32, 2**64, 10**30)
REPEATS = (2, 3, 50, 1000, 5000, 70_000)


@dataclass(frozen=True)
class Case:
    state: str
    payload: bytes
    finish: bool  # complete what is open and probe; False: hang up right after the payload
    tls_garbage: bool  # after a STARTTLS go-ahead, plaintext instead of a handshake

    def __repr__(self) -> str:
        """Short enough for a failure report (hypothesis prints the blob that replays it)."""
        payload = repr(self.payload)
        if len(self.payload) > 2000:
            head, tail = self.payload[:1000], self.payload[-200:]
            payload = f"{head!r} ... {len(self.payload)} octets in all ... {tail!r}"
        return (
            f"Case({self.state!r}, {payload}, finish={self.finish}, tls_garbage={self.tls_garbage})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # hypothesis's printer would spell a dataclass out in full


_pieces = st.one_of(
    st.sampled_from(TOKENS), st.sampled_from(NOT_UTF8), st.binary(min_size=1, max_size=12)
)


def _span(draw: st.DrawFn, line: bytes) -> tuple[int, int]:
    first = draw(st.integers(0, len(line)))
    last = draw(st.integers(0, len(line)))
    return min(first, last), max(first, last)


def _insert(draw: st.DrawFn, line: bytes) -> bytes:
    at = draw(st.integers(0, len(line)))
    return line[:at] + draw(_pieces) + line[at:]


def _delete(draw: st.DrawFn, line: bytes) -> bytes:
    start, end = _span(draw, line)
    return line[:start] + line[end:]


def _replace_word(draw: st.DrawFn, line: bytes) -> bytes:
    words = line.split(b" ")
    words[draw(st.integers(0, len(words) - 1))] = draw(_pieces)
    return b" ".join(words)


def _repeat(draw: st.DrawFn, line: bytes) -> bytes:
    start, end = _span(draw, line)
    chunk = line[start:end] or b"("
    times = min(draw(st.sampled_from(REPEATS)), MAX_LINE // len(chunk))
    return line[:start] + chunk * times + line[end:]


def _whitespace(draw: st.DrawFn, line: bytes) -> bytes:
    count = draw(st.sampled_from((1, -1)))
    return line.replace(b" ", draw(st.sampled_from(ODD_SPACES)), count)


def _case(draw: st.DrawFn, line: bytes) -> bytes:
    return line.lower() if draw(st.booleans()) else line.swapcase()


def _truncate(draw: st.DrawFn, line: bytes) -> bytes:
    return line[: draw(st.integers(0, len(line)))]


def _literal(draw: st.DrawFn, line: bytes) -> bytes:
    size = draw(st.sampled_from(LITERAL_SIZES))
    plus = draw(st.sampled_from((b"", b"+")))
    return line + b" {%d%s}\r\n" % (size, plus) + draw(st.binary(max_size=20))


def _not_utf8(draw: st.DrawFn, line: bytes) -> bytes:
    at = draw(st.integers(0, len(line)))
    return line[:at] + draw(st.sampled_from(NOT_UTF8)) + line[at:]


MUTATIONS = (
    _insert, _delete, _replace_word, _repeat, _whitespace, _case, _truncate, _literal, _not_utf8,
)  # fmt: skip


@st.composite
def _mutated(draw: st.DrawFn, seeds: Sequence[bytes]) -> bytes:
    line = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, 3))):
        line = draw(st.sampled_from(MUTATIONS))(draw, line)
        line = line[:MAX_LINE]
    return line


def _lines(seeds: Sequence[bytes], everything: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    line = st.one_of(
        _mutated(seeds), _mutated(seeds), _mutated(everything), st.binary(max_size=200)
    )
    return st.lists(st.tuples(line, st.sampled_from(LINE_ENDS)), min_size=1, max_size=4).map(
        lambda lines: b"".join(text + end for text, end in lines)
    )


def cases(corpus: dict[str, Sequence[bytes]]) -> st.SearchStrategy[Case]:
    """Cases for one protocol's corpus: state name -> valid commands in that state."""
    everything = sorted({seed for seeds in corpus.values() for seed in seeds})

    def in_state(state: str) -> st.SearchStrategy[Case]:
        payload = _lines(corpus[state], everything)
        return st.builds(Case, st.just(state), payload, st.booleans(), st.booleans())

    return st.sampled_from(sorted(corpus)).flatmap(in_state)
