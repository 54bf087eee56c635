"""The layering rules of docs/architecture.md ("The layers"), checked on the source.

Every import of a hato module, wherever it is written (at the top, inside a
function, under ``TYPE_CHECKING``), must go down the table below: a module may
import its own package and any package of a lower layer, never one of its own
layer or above. The pure layers (protocol cores, MIME, manners, Sieve) import
no IO module at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "hato"
IO_MODULES = {"asyncio", "socket", "ssl", "sqlite3", "selectors"}
PURE = ("proto", "mime", "manners", "sieve")

#: Top to bottom. Each name is a package (or a module) directly under hato/.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(names.split())
    for names in (
        "__main__",
        "cli",
        "cli_admin cli_class cli_dkim cli_import cli_index cli_sieve cli_store",  # subcommands
        "cli_common",  # what the subcommand modules share: the store opened, errors
        "server",  # the listeners: asyncio, TLS, one adapter per protocol
        "web",  # the web console: aiohttp application, pages, API
        "imap delivery migrate demo classroom",  # sessions, delivery paths, import tools
        "session mailauth",  # what sessions share below the listeners; DNS and DKIM
        "config",
        "accounts",
        "auth sieve manners",
        "proto",  # sans-IO protocol cores
        "store",
        "mime",  # parsing, a leaf: the store keeps its records
        # __init__: the package itself (its version); bounded: the caches' bound
        "logs tls __init__ metrics heap tasks bounded",
    )
)
LEVEL = {name: level for level, names in enumerate(LAYERS) for name in names}


def unit_of(module: str) -> str:
    """``hato.store.sql.tx`` -> ``store``; ``hato.cli`` -> ``cli``."""
    return module.split(".")[1]


def hato_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a hato module in ``path``, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("hato."):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "hato":
                for alias in node.names:
                    named = ROOT / alias.name
                    is_module = named.is_dir() or named.with_suffix(".py").exists()
                    yield node.lineno, f"hato.{alias.name if is_module else '__init__'}"
            elif node.module.startswith("hato."):
                yield node.lineno, node.module


def _module_name(path: Path) -> str:
    return ".".join(("hato", *path.relative_to(ROOT).with_suffix("").parts))


def layer_violations(path: Path, module: str | None = None) -> list[str]:
    """Each import in ``path`` (the module ``module``, by default the one at that path)
    that goes up or sideways, as ``module:line: a -> b``."""
    module = module or _module_name(path)
    source = unit_of(module)
    found = []
    for line, imported in sorted(hato_imports(path)):
        target = unit_of(imported)
        if target == source:
            continue
        if LEVEL[target] <= LEVEL[source]:
            found.append(f"{module}:{line}: {source} -> {target}")
    return found


SOURCES = sorted(ROOT.rglob("*.py"))


def test_every_package_has_a_layer() -> None:
    units = {unit_of(_module_name(path)) for path in SOURCES}
    assert units <= set(LEVEL), f"not in LAYERS: {sorted(units - set(LEVEL))}"


def test_imports_go_down_the_layers() -> None:
    violations = [v for path in SOURCES for v in layer_violations(path)]
    assert not violations, "imports against the layers:\n" + "\n".join(violations)


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    """The check itself fails on what it must refuse: mime importing the server, or the
    store importing a protocol core, even inside a function or for type checking only."""
    bad = tmp_path / "probe.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from hato.proto import sasl\n"
        "def f() -> None:\n    import hato.server.app\n",
        encoding="utf-8",
    )
    assert layer_violations(bad, "hato.mime.probe") == [
        "hato.mime.probe:3: mime -> proto",
        "hato.mime.probe:5: mime -> server",
    ]
    assert layer_violations(bad, "hato.store.probe") == [
        "hato.store.probe:3: store -> proto",
        "hato.store.probe:5: store -> server",
    ]


def _plain_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "path", [p for pure in PURE for p in sorted((ROOT / pure).rglob("*.py"))], ids=str
)
def test_pure_layers_do_no_io(path: Path) -> None:
    assert not _plain_imports(path) & IO_MODULES


@pytest.mark.parametrize("module", ["base.py", "schema.py", "flags.py", "__init__.py"])
def test_store_interface_knows_no_backend(module: str) -> None:
    assert "sqlite3" not in _plain_imports(ROOT / "store" / module)
