"""Walk hato's own source for tests that hold a rule of the code's shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import hato

ROOT = Path(hato.__file__).parent


def places(
    packages: Iterable[str], find: Callable[[Path], list[int]], exempt: Iterable[str] = ()
) -> list[str]:
    """``path:line`` of every place ``find`` reports, in the packages under hato/,
    leaving out the ``exempt`` files (paths relative to hato/)."""
    skipped = set(exempt)
    return sorted(
        f"{relative}:{line}"
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
        if (relative := str(path.relative_to(ROOT))) not in skipped
        for line in find(path)
    )
