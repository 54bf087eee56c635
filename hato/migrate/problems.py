"""What an import reports: the line of its file, and why that part was not imported."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LineProblem"]


@dataclass(frozen=True, slots=True)
class LineProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
