"""IMAP responses come from the encoder (hato/proto/imap/_encode.py), nowhere else.

A string or bytes constant that begins an untagged response (``* ``) or a
continuation request (``+ ``) outside the encoder would be wire bytes written
by hand; this scan finds them in the packages that speak IMAP.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.source_scan import ROOT, places

ENCODER = "proto/imap/_encode.py"
SEARCHED = ("imap", "server", "proto/imap")
STARTS = ("* ", "+ ")


def _hand_written(path: Path) -> list[int]:
    """Lines of constants (docstrings aside) that begin a response line."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        value = node.value
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if isinstance(text, str) and text.startswith(STARTS):
            lines.append(node.lineno)
    return lines


def test_responses_are_written_by_the_encoder_only() -> None:
    found = places(SEARCHED, _hand_written, exempt=[ENCODER])
    assert not found, f"IMAP response bytes written outside the encoder: {found}"


def test_the_scan_sees_the_encoders_own() -> None:
    assert _hand_written(ROOT / ENCODER)
