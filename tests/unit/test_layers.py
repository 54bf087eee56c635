"""The layering rules of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "hato"
IO_MODULES = {"asyncio", "socket", "ssl", "sqlite3", "selectors"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "proto").rglob("*.py")), ids=str)
def test_protocol_cores_are_sans_io(path: Path) -> None:
    assert not _imports(path) & IO_MODULES


@pytest.mark.parametrize("module", ["base.py", "schema.py", "flags.py", "__init__.py"])
def test_store_interface_knows_no_backend(module: str) -> None:
    assert "sqlite3" not in _imports(ROOT / "store" / module)
