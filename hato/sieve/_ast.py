"""The parsed form of a script: frozen, slotted dataclasses (RFC 5228 §8.2).

A string argument keeps whether it was written as one string or as a list, because a
command that takes a string refuses a list (RFC 5228 §2.6.2), and so the printer gives
back what was written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tag:
    """``":" identifier`` (RFC 5228 §2.6.2); the name is kept lowercase, without the colon."""

    name: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Number:
    """``1*DIGIT [QUANTIFIER]`` with the quantifier applied (RFC 5228 §2.4.1)."""

    value: int
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Strings:
    """A string or a string list (RFC 5228 §2.4.2); ``is_list`` if written in brackets."""

    values: tuple[str, ...]
    is_list: bool
    line: int
    column: int


Argument = Tag | Number | Strings


@dataclass(frozen=True, slots=True)
class Test:
    """``identifier arguments`` (RFC 5228 §8.2); ``tests`` holds a test or a test-list."""

    name: str
    arguments: tuple[Argument, ...]
    tests: tuple[Test, ...]
    line: int
    column: int
    test_list: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """``identifier arguments (";" / block)``; ``block`` is None for ";"."""

    name: str
    arguments: tuple[Argument, ...]
    tests: tuple[Test, ...]
    block: tuple[Command, ...] | None
    line: int
    column: int
    test_list: bool = False


@dataclass(frozen=True, slots=True)
class Script:
    """A parsed script: its commands and the capabilities it requires (RFC 5228 §3.2)."""

    commands: tuple[Command, ...]
    requires: frozenset[str]
