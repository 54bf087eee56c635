"""SQL that IMAP sessions need beyond the shared message queries (PostgreSQL).

``select_changes`` answers "what happened to this mailbox since MODSEQ n" with
two indexed range scans in one snapshot, so a session learns of changes made
on any node (RFC 3501 §7.4.1, RFC 7162 §3.1) without reading the whole mailbox.
``append_rows`` adds several messages in one transaction (RFC 3502: MULTIAPPEND
is all or nothing); ``select_zones`` gives the INTERNALDATE zones APPEND kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from hato.store.base import (
    MailboxChanges,
    NewMessage,
    NoSuchMailbox,
    StoredMessage,
)
from hato.store.postgres.engine import Tx
from hato.store.sql import blobs, messages
from hato.store.sql.columns import header_column_sql
from hato.store.sql.messages import SUMMARY, summary

__all__ = [
    "append_rows", "select_changes", "select_columns", "select_contents", "select_zones",
]  # fmt: skip


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


async def append_rows(
    tx: Tx, account_id: int, mailbox: str, new: Sequence[NewMessage]
) -> list[StoredMessage]:
    """Every message or none: the caller's transaction commits them together."""
    stored = []
    for message in new:
        blob_id = await blobs.put_blob(tx, message.content, message.meta)
        row = await messages.insert_message(
            tx, account_id, mailbox, blob_id, b"", len(message.content), message.flags,
            message.internal_date,
        )  # fmt: skip
        if message.internal_tz:
            await tx.run(
                "UPDATE messages SET internal_tz = %s WHERE mailbox_id = %s AND uid = %s",
                (message.internal_tz, row.mailbox_id, row.uid),
            )
        stored.append(row)
    return stored


async def select_zones(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> dict[int, int]:
    """uid -> minutes east of UTC, for the messages among ``uids`` not in UTC."""
    rows = await tx.all(
        "SELECT m.uid, m.internal_tz FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
        "WHERE m.mailbox_id = %s AND x.account_id = %s AND m.internal_tz != 0 "
        "AND m.uid = ANY(%s::bigint[])",
        (mailbox_id, account_id, sorted(set(uids))),
    )
    return {int(uid): int(tz) for uid, tz in rows}


async def select_columns(
    tx: Tx, account_id: int, mailbox_id: int, names: Sequence[str], min_uid: int = 0
) -> list[tuple[object, ...]]:
    """(uid, *names) of every message in the mailbox from ``min_uid`` on, by uid (one join,
    no bodies)."""
    rows = await tx.all(
        f"SELECT {header_column_sql(names)} FROM messages m "
        "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blob_meta bm ON bm.blob_id = m.blob_id "
        "WHERE m.mailbox_id = %s AND x.account_id = %s AND m.uid >= %s ORDER BY m.uid",
        (mailbox_id, account_id, min_uid),
    )
    return [tuple(row) for row in rows]
