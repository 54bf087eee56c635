"""LIST and LSUB wildcards (RFC 3501 §6.3.8), matched without backtracking.

    "*" matches zero or more characters at this position.
    "%" is similar to "*", but it does not match a hierarchy delimiter.

Theory of operation.  A regular expression built from a client's pattern
backtracks: ``*a*a*a*a*a*ab`` against a 100-character name took seconds and
stalled every session of the process.  Here a pattern is a small automaton
whose states are the positions in the pattern ("so many tokens matched"),
and the set of live states is one integer used as a bit set, advanced once
per character of the name (Shift-And over a pattern with wildcards):

- a literal token at position i moves state i to i + 1 on its character;
- a wildcard at position i keeps state i on any character ("%" not on the
  separator) and, matching the empty string, also holds state i + 1.

Runs of wildcards are collapsed first ("%*" is "*", "%%" is "%"), so one
shift gives the empty-match closure.  Several patterns (LIST-EXTENDED) sit
side by side in the same integer: a shift never carries a bit from one
pattern into the next, because only positions before a pattern's end shift.
A name costs one pass over its characters, whatever the patterns hold; each
step costs operations on an integer as wide as the patterns are long, which
is why their joint length is bounded (MAX_PATTERNS), as the number of
mailboxes is (hato.imap.names.MAX_MAILBOXES).
"""

from __future__ import annotations

from collections.abc import Iterable

from hato.imap.names import SEPARATOR

__all__ = ["MAX_PATTERNS", "NamePatterns", "PatternTooLong"]

# characters of the reference joined with each pattern, all patterns of a command together
MAX_PATTERNS = 1024


class PatternTooLong(ValueError):
    """The patterns would make too wide an automaton."""


def _tokens(pattern: str) -> list[str]:
    """The pattern with each run of wildcards collapsed to one wildcard."""
    tokens: list[str] = []
    for char in pattern:
        if char in "*%" and tokens and tokens[-1] in "*%":
            tokens[-1] = "*" if "*" in (char, tokens[-1]) else "%"
        else:
            tokens.append(char)
    return tokens


class NamePatterns:
    """Does a mailbox name match any of the patterns?  One pass per name."""

    __slots__ = ("_accept", "_done", "_literal", "_percent", "_star", "_start")

    def __init__(self, patterns: Iterable[str]) -> None:
        self._literal: dict[str, int] = {}
        self._star = self._percent = self._start = self._accept = self._done = 0
        offset = length = 0
        for pattern in dict.fromkeys(patterns):  # a repeated pattern adds nothing
            tokens = _tokens(pattern)
            length += len(tokens)
            if length > MAX_PATTERNS:
                raise PatternTooLong("Mailbox patterns too long.")
            offset = self._add(tokens, offset)

    def _add(self, tokens: list[str], offset: int) -> int:
        """Lay one pattern's states out at bits offset .. offset + len(tokens)."""
        for at, char in enumerate(tokens, offset):
            bit = 1 << at
            if char == "*":
                self._star |= bit
            elif char == "%":
                self._percent |= bit
            else:
                self._literal[char] = self._literal.get(char, 0) | bit
        end = offset + len(tokens)
        self._start |= self._closure(1 << offset)
        self._accept |= 1 << end
        if tokens and tokens[-1] == "*":
            self._done |= 1 << (end - 1)  # a trailing "*" accepts whatever follows
        return end + 1

    def _closure(self, states: int) -> int:
        """A wildcard matches the empty string too: its state also holds the next."""
        return states | (states & (self._star | self._percent)) << 1

    def matches(self, name: str) -> bool:
        states = self._start
        for char in name:
            if states & self._done:
                return True
            stay = self._star if char == SEPARATOR else self._star | self._percent
            moved = (states & self._literal.get(char, 0)) << 1
            states = self._closure((states & stay) | moved)
            if not states:
                return False
        return bool(states & self._accept)
