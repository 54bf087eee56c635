"""The repository stands alone: what its comments cite is in it.

Comments name the invariants of docs/architecture.md section 3 ("the durability invariant"),
never by number, a document kept outside the repository, a tracker's issue number or a path
of one development machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tests.shared_dir import REPOSITORY

ARCHITECTURE = REPOSITORY / "docs/architecture.md"
_DEFINED = re.compile(r"^\*\*\d+\. The ([\w-]+) invariant:", re.MULTILINE)
_CITED = re.compile(r"\bthe ([\w-]+)\s+invariant\b", re.IGNORECASE)
_OUTSIDE = re.compile(
    r"\b(?:DESIGN|PRODUCT|STYLE)\.md\b|\bissues? #?\d|(?<![\w.])/(?:work|home)/|\binvariants? \d"
)


def _texts() -> Iterator[tuple[Path, str]]:
    """Every source and document file of the repository, this test aside."""
    for top in ("hato", "tests", "bench", "docs"):
        for path in sorted((REPOSITORY / top).rglob("*")):
            if path.suffix in (".py", ".md", ".toml", ".sql") and path != Path(__file__):
                yield path, path.read_text(encoding="utf-8")
    for name in ("README.md", "BENCHMARKS.md", "Makefile", "pyproject.toml", ".ci/run"):
        yield REPOSITORY / name, (REPOSITORY / name).read_text(encoding="utf-8")


def _where(path: Path, text: str, offset: int) -> str:
    return f"{path.relative_to(REPOSITORY)}:{text.count(chr(10), 0, offset) + 1}"


def test_every_cited_invariant_is_defined() -> None:
    defined = {name.lower() for name in _DEFINED.findall(ARCHITECTURE.read_text())}
    assert {"durability", "uid", "limits"} <= defined
    undefined = [
        f"{_where(path, text, match.start())}: {match.group(0)}"
        for path, text in _texts()
        for match in _CITED.finditer(text)
        if match.group(1).lower() not in defined
    ]
    assert undefined == []


def test_nothing_cited_lies_outside_the_repository() -> None:
    outside = [
        f"{_where(path, text, match.start())}: {match.group(0)}"
        for path, text in _texts()
        for match in _OUTSIDE.finditer(text)
    ]
    assert outside == []
