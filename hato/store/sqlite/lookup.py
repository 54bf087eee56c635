"""SQL for finding an account's messages by Message-ID (SQLite)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from hato.store.sqlite.blobs import chunks

__all__ = ["select_by_message_id"]

_LIMIT = 20


def select_by_message_id(
    conn: sqlite3.Connection, account_id: int, message_ids: Sequence[str]
) -> list[bytes]:
    """The account's messages whose Message-ID is one of ``message_ids`` (at most 20).

    Used to find the message a reply answers (RFC 5322 §3.6.4 In-Reply-To and
    References), in any of the account's mailboxes.
    """
    found: list[bytes] = []
    wanted = list(dict.fromkeys(message_ids))
    for chunk in chunks(list(range(len(wanted)))):
        ids = [wanted[i] for i in chunk]
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            "SELECT m.prefix, b.data FROM blob_meta bm JOIN blobs b ON b.id = bm.blob_id "
            "JOIN messages m ON m.blob_id = bm.blob_id "
            "JOIN mailboxes x ON x.id = m.mailbox_id "
            f"WHERE x.account_id = ? AND bm.message_id IN ({marks}) LIMIT ?",
            (account_id, *ids, _LIMIT),
        )
        found.extend(bytes(prefix) + bytes(data) for prefix, data in rows)
    return found[:_LIMIT]
