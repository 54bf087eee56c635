"""What an import reports: where in its input (a line, a file), and why that part was not
imported."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LineProblem", "Problem"]


@dataclass(frozen=True, slots=True)
class LineProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something of a directory tree not imported: ``where`` is a path, or a path and a line."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"
