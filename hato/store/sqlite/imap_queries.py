"""SQL that IMAP sessions need beyond the shared message queries (SQLite).

``select_changes`` answers "what happened to this mailbox since MODSEQ n" in
two indexed range scans (``messages_by_modseq``, ``expunged_by_modseq``), so
a session learns of other sessions' changes (RFC 3501 §7.4.1, RFC 7162 §3.1)
without reading the whole mailbox. ``select_contents`` reads many bodies in
one statement per chunk, for FETCH of BODY[] over a message set.
``append_rows`` adds several messages in one transaction (RFC 3502 §6.3.11:
MULTIAPPEND is all or nothing); ``select_zones`` gives the INTERNALDATE zones
APPEND kept (RFC 3501 §2.3.3), only for messages whose zone is not UTC.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from hato.store.base import (
    MailboxChanges,
    MessageSummary,
    NewMessage,
    NoSuchMailbox,
    StoredMessage,
)
from hato.store.flags import flags_from_columns
from hato.store.sql.columns import header_column_sql
from hato.store.sqlite import blobs, mailboxes, messages
from hato.store.sqlite.blobs import chunks

__all__ = [
    "append_rows", "select_changes", "select_columns", "select_contents", "select_zones",
]  # fmt: skip


def select_changes(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, modseq: int
) -> MailboxChanges:
    """Messages changed or added, and UIDs expunged, after ``modseq``."""
    row = conn.execute(
        "SELECT highestmodseq, uidnext FROM mailboxes WHERE id = ? AND account_id = ?",
        (mailbox_id, account_id),
    ).fetchone()
    if row is None:
        raise NoSuchMailbox(str(mailbox_id))
    highest, uidnext = int(row[0]), int(row[1])
    if highest <= modseq:
        return MailboxChanges(highest, uidnext, [], [])
    rows = conn.execute(
        "SELECT uid, modseq, size, system_flags, keywords, internal_date FROM messages "
        "WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
        (mailbox_id, modseq),
    )
    changed = [
        MessageSummary(uid, mseq, size, flags_from_columns(mask, keywords), date)
        for uid, mseq, size, mask, keywords, date in rows
    ]
    expunged = [
        int(uid)
        for (uid,) in conn.execute(
            "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
            (mailbox_id, modseq),
        )
    ]
    return MailboxChanges(highest, uidnext, changed, expunged)


def select_contents(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> dict[int, bytes]:
    """``prefix + body`` of each existing message among ``uids``."""
    found: dict[int, bytes] = {}
    for chunk in chunks(sorted(set(uids))):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT m.uid, m.prefix, b.data FROM messages m "
            "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blobs b ON b.id = m.blob_id "
            f"WHERE m.mailbox_id = ? AND x.account_id = ? AND m.uid IN ({marks})",
            (mailbox_id, account_id, *chunk),
        )
        for uid, prefix, data in rows:
            found[int(uid)] = bytes(prefix) + bytes(data)
    return found


def append_rows(
    conn: sqlite3.Connection, account_id: int, mailbox: str, new: Sequence[NewMessage]
) -> list[StoredMessage]:
    """Every message or none: the caller's transaction commits them together."""
    target = mailboxes.require_mailbox(conn, account_id, mailbox)
    stored = []
    for message in new:
        blob_id = blobs.put_blob(conn, message.content, message.meta)
        size = len(message.content)
        row = messages.insert_message(
            conn, account_id, target, blob_id, b"", size, message.flags, message.internal_date
        )
        if message.internal_tz:
            conn.execute(
                "UPDATE messages SET internal_tz = ? WHERE mailbox_id = ? AND uid = ?",
                (message.internal_tz, row.mailbox_id, row.uid),
            )
        stored.append(row)
    return stored


def select_zones(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> dict[int, int]:
    """uid -> minutes east of UTC, for the messages among ``uids`` not in UTC."""
    found: dict[int, int] = {}
    for chunk in chunks(sorted(set(uids))):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT m.uid, m.internal_tz FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
            f"WHERE m.mailbox_id = ? AND x.account_id = ? AND m.internal_tz != 0 "
            f"AND m.uid IN ({marks})",
            (mailbox_id, account_id, *chunk),
        )
        found.update((int(uid), int(tz)) for uid, tz in rows)
    return found


def select_columns(
    conn: sqlite3.Connection,
    account_id: int,
    mailbox_id: int,
    names: Sequence[str],
    min_uid: int = 0,
) -> list[tuple[object, ...]]:
    """(uid, *names) of every message in the mailbox from ``min_uid`` on, by uid (one join,
    no bodies)."""
    rows = conn.execute(
        f"SELECT {header_column_sql(names)} FROM messages m "
        "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blob_meta bm ON bm.blob_id = m.blob_id "
        "WHERE m.mailbox_id = ? AND x.account_id = ? AND m.uid >= ? ORDER BY m.uid",
        (mailbox_id, account_id, min_uid),
    )
    return [tuple(row) for row in rows]
