"""SQL that IMAP sessions need beyond the shared message queries (SQLite).

``select_changes`` answers "what happened to this mailbox since MODSEQ n" in
two indexed range scans (``messages_by_modseq``, ``expunged_by_modseq``), so
a session learns of other sessions' changes (RFC 3501 §7.4.1, RFC 7162 §3.1)
without reading the whole mailbox. ``select_contents`` reads many bodies in
one statement per chunk, for FETCH of BODY[] over a message set.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from hato.store.base import MailboxChanges, MessageSummary, NoSuchMailbox
from hato.store.flags import flags_from_columns
from hato.store.sqlite.blobs import chunks

__all__ = ["select_changes", "select_contents"]


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
