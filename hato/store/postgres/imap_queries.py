"""SQL that IMAP sessions need beyond the shared message queries (PostgreSQL).

``select_changes`` answers "what happened to this mailbox since MODSEQ n" with
two indexed range scans in one snapshot, so a session learns of changes made
on any node (RFC 3501 §7.4.1, RFC 7162 §3.1) without reading the whole mailbox.
"""

from __future__ import annotations

from collections.abc import Sequence

from hato.store.base import MailboxChanges, NoSuchMailbox
from hato.store.postgres.engine import Tx
from hato.store.postgres.messages import SUMMARY, summary

__all__ = ["select_changes", "select_contents"]


async def select_changes(tx: Tx, account_id: int, mailbox_id: int, modseq: int) -> MailboxChanges:
    """Messages changed or added, and UIDs expunged, after ``modseq``."""
    row = await tx.one(
        "SELECT highestmodseq, uidnext FROM mailboxes WHERE id = %s AND account_id = %s",
        (mailbox_id, account_id),
    )
    if row is None:
        raise NoSuchMailbox(str(mailbox_id))
    highest, uidnext = int(row[0]), int(row[1])
    if highest <= modseq:
        return MailboxChanges(highest, uidnext, [], [])
    rows = await tx.all(
        f"SELECT {SUMMARY} FROM messages WHERE mailbox_id = %s AND modseq > %s ORDER BY uid",
        (mailbox_id, modseq),
    )
    gone = await tx.all(
        "SELECT uid FROM expunged WHERE mailbox_id = %s AND modseq > %s ORDER BY uid",
        (mailbox_id, modseq),
    )
    return MailboxChanges(highest, uidnext, [summary(r) for r in rows], [int(r[0]) for r in gone])


async def select_contents(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> dict[int, bytes]:
    """``prefix + body`` of each existing message among ``uids``."""
    rows = await tx.all(
        "SELECT m.uid, m.prefix, b.data FROM messages m "
        "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blobs b ON b.id = m.blob_id "
        "WHERE m.mailbox_id = %s AND x.account_id = %s AND m.uid = ANY(%s::bigint[])",
        (mailbox_id, account_id, sorted(set(uids))),
    )
    return {int(uid): bytes(prefix) + bytes(data) for uid, prefix, data in rows}
