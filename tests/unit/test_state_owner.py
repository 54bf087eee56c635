"""Only the owner of a state table moves the state (RFC 3501 §3, RFC 1939 §3).

IMAP's dispatcher (hato/imap/session.py) and POP3's dispatcher and connection
(hato/proto/pop3/_dispatch.py, _connection.py) assign ``.state``; a command
handler says how its command ended and never assigns the state itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.source_scan import ROOT, places

OWNERS = {"imap/session.py", "proto/pop3/_dispatch.py", "proto/pop3/_connection.py"}
SEARCHED = ("imap", "server", "proto")


def _state_assignments(path: Path) -> list[int]:
    """Lines of ``<anything>.state = ...`` (or ``+=``, or an annotated assignment)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        if any(isinstance(t, ast.Attribute) and t.attr == "state" for t in targets):
            lines.append(node.lineno)
    return lines


def test_only_the_owners_assign_the_state() -> None:
    found = places(SEARCHED, _state_assignments, exempt=OWNERS)
    assert not found, f"state assigned outside its owner: {found}"


def test_the_search_sees_the_owners_assignments() -> None:
    """The check would find a handler's assignment: it finds the owners' own."""
    for owner in OWNERS:
        assert _state_assignments(ROOT / owner), owner
