"""Errors of a Sieve script, each with the line and column where it was found."""

from __future__ import annotations


class SieveError(Exception):
    """A script that cannot be parsed, validated or run (RFC 5228 §2.10.6).

    ``line`` and ``column`` count from 1; column counts characters, not octets.
    """

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line:
            return f"line {self.line}, column {self.column}: {self.message}"
        return self.message


class SieveRuntimeError(SieveError):
    """An error while the script runs; the message is kept (RFC 5228 §2.10.6)."""


class SieveLimitError(SieveRuntimeError):
    """A script ran past one of its bounds (steps, actions, redirects, includes)."""


class SieveInternalError(SieveRuntimeError):
    """A fault of the interpreter itself; the message is kept all the same."""
