from __future__ import annotations

import sqlite3
from pathlib import Path

from hato.store.schema import DIALECTS, MIGRATIONS, pending
from hato.store.sqlite.engine import _migrate


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


def _at_version(path: Path, last: int) -> sqlite3.Connection:
    """A SQLite file whose schema stops at version ``last``."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, statements in pending(set(), "sqlite"):
        if version <= last:
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    return conn


def test_version_26_moves_the_kept_imap_answers_out_of_blob_meta(tmp_path: Path) -> None:
    conn = _at_version(tmp_path / "old.sqlite3", 25)
    texts = ", ".join(["''"] * 15)  # the header columns, NOT NULL
    for blob_id, envelope, structure in [(1, "(env)", None), (2, None, None), (3, None, "(s)")]:
        conn.execute(
            "INSERT INTO blobs (id, sha256, size, data) VALUES (?, ?, 1, x'00')",
            (blob_id, bytes([blob_id])),
        )
        conn.execute(
            "INSERT INTO blob_meta (blob_id, structure, subject, base_subject, from_addr, "
            "to_addr, cc_addr, sort_subject, sort_from, sort_to, sort_cc, sort_display_from, "
            "sort_display_to, message_id, in_reply_to, refs, envelope_imap, bodystructure_imap) "
            f"VALUES (?, {texts}, ?, ?)",
            (blob_id, envelope, structure),
        )
    _migrate(conn)
    moved = list(conn.execute("SELECT blob_id, envelope, bodystructure FROM kept_imap"))
    assert moved == [(1, "(env)", None), (3, None, "(s)")]
    columns = [row[1] for row in conn.execute("PRAGMA table_info(blob_meta)")]
    assert "envelope_imap" not in columns and "bodystructure_imap" not in columns
    assert conn.execute("SELECT COUNT(*) FROM blob_meta").fetchone() == (3,)
    # gone with its body
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM blobs WHERE id = 1")
    assert [row[0] for row in conn.execute("SELECT blob_id FROM kept_imap")] == [3]
    conn.close()
