"""hato/mailauth sits beside delivery's other dependencies: it imports no upper layer."""

from __future__ import annotations

import ast
from pathlib import Path

import hato.mailauth

UPPER = ("hato.server", "hato.imap", "hato.delivery", "hato.cli")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_mailauth_imports_no_upper_layer() -> None:
    package = Path(hato.mailauth.__file__).parent
    sources = sorted(package.rglob("*.py"))
    assert sources
    for source in sources:
        wrong = {m for m in imported_modules(source) if m.startswith(UPPER)}
        assert not wrong, f"{source.name} imports {sorted(wrong)}"
