from __future__ import annotations

from hato.store.schema import DIALECTS, MIGRATIONS, pending


def test_pending_runs_every_unrecorded_version_in_order() -> None:
    versions = sorted(v for v, _ in MIGRATIONS)
    assert [v for v, _ in pending(set(), "sqlite")] == versions
    skipped = versions[0]
    later = set(versions[1:])
    assert [v for v, _ in pending(later, "sqlite")] == [skipped]
    assert pending(set(versions), "sqlite") == []


def test_every_statement_fills_in_for_every_dialect() -> None:
    for dialect in DIALECTS:
        for _, statements in pending(set(), dialect):
            assert all("{" not in statement for statement in statements)
