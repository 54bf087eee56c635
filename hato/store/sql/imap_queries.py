"""What IMAP sessions need beyond the shared message operations, written once.

``select_changes`` answers "what happened to this mailbox since MODSEQ n" in
two indexed range scans (``messages_by_modseq``, ``expunged_by_modseq``), so a
session learns of changes made by other sessions, on any node (RFC 3501
§7.4.1, RFC 7162 §3.1), without reading the whole mailbox.
``select_contents`` reads many bodies in as few statements as the dialect
allows, for FETCH of BODY[] over a message set. ``append_rows`` adds several
messages in one transaction (RFC 3502 §6.3.11: MULTIAPPEND is all or nothing);
``select_zones`` gives the INTERNALDATE zones APPEND kept (RFC 3501 §2.3.3),
only for messages whose zone is not UTC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from hato.store.base import (
    UNLIMITED,
    MailboxChanges,
    NewMessage,
    NoSuchMailbox,
    QuotaLimits,
    StoredMessage,
)
from hato.store.sql import quota
from hato.store.sql.blobs import put_blobs
from hato.store.sql.columns import header_column_sql
from hato.store.sql.mailboxes import require_mailbox
from hato.store.sql.messages import SUMMARY, NewRow, insert_messages, summary
from hato.store.sql.tx import Row, Tx

__all__ = [
    "append_rows", "select_changes", "select_columns", "select_contents", "select_digests",
    "select_zones",
]  # fmt: skip


async def select_changes(tx: Tx, account_id: int, mailbox_id: int, modseq: int) -> MailboxChanges:
    """Messages changed or added, and UIDs expunged, after ``modseq``."""
    row = await tx.one(
        "SELECT highestmodseq, uidnext FROM mailboxes WHERE id = ? AND account_id = ?",
        (mailbox_id, account_id),
    )
    if row is None:
        raise NoSuchMailbox(str(mailbox_id))
    highest, uidnext = int(row[0]), int(row[1])
    if highest <= modseq:
        return MailboxChanges(highest, uidnext, [], [])
    rows = await tx.all(
        f"SELECT {SUMMARY} FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
        (mailbox_id, modseq),
    )
    gone = await tx.all(
        "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
        (mailbox_id, modseq),
    )
    return MailboxChanges(highest, uidnext, [summary(r) for r in rows], [int(r[0]) for r in gone])


async def _owned_among(
    tx: Tx, sql: str, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> list[Row]:
    """Rows of ``sql`` for the account's messages in ``mailbox_id`` among ``uids``.

    ``sql`` selects from ``messages m`` joined to ``mailboxes x``, its conditions
    ending in ``m.mailbox_id = ? AND x.account_id = ? AND {uids}``.
    """
    rows: list[Row] = []
    for condition, params in tx.dialect.members("m.uid", sorted(set(uids))):
        rows.extend(await tx.all(sql.format(uids=condition), (mailbox_id, account_id, *params)))
    return rows


_CONTENTS = (
    "SELECT m.uid, m.prefix, b.data FROM messages m "
    "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blobs b ON b.id = m.blob_id "
    "WHERE m.mailbox_id = ? AND x.account_id = ? AND {uids}"
)
_ZONES = (
    "SELECT m.uid, m.internal_tz FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
    "WHERE m.internal_tz != 0 AND m.mailbox_id = ? AND x.account_id = ? AND {uids}"
)


async def select_contents(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> dict[int, bytes]:
    """``prefix + body`` of each existing message among ``uids``."""
    rows = await _owned_among(tx, _CONTENTS, account_id, mailbox_id, uids)
    return {int(uid): bytes(prefix) + bytes(data) for uid, prefix, data in rows}


_DIGESTS = (
    "SELECT m.uid, m.prefix, b.sha256 FROM messages m "
    "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blobs b ON b.id = m.blob_id "
    "WHERE m.mailbox_id = ? AND x.account_id = ?"
)


async def select_digests(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int] | None
) -> dict[int, bytes]:
    """uid -> SHA-256 of the message's content (its trace prefix, then its body's own
    SHA-256), of the messages among ``uids`` or of every one: equal for equal content,
    so a copy has its original's (the EMAILID of RFC 8474 §5.1)."""
    if uids is None:
        rows = await tx.all(_DIGESTS, (mailbox_id, account_id))
    else:
        rows = await _owned_among(tx, _DIGESTS + " AND {uids}", account_id, mailbox_id, uids)
    return {
        int(uid): hashlib.sha256(bytes(body) + bytes(prefix)).digest() for uid, prefix, body in rows
    }


_SAVE_DATES = (
    "SELECT m.uid, COALESCE(m.save_date, m.internal_date) FROM messages m "
    "JOIN mailboxes x ON x.id = m.mailbox_id WHERE m.mailbox_id = ? AND x.account_id = ?"
)


async def select_save_dates(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int] | None
) -> dict[int, int]:
    """uid -> save date (RFC 8514 §3) of the messages among ``uids``, or of every one; a
    message saved before save dates were kept has its internal date."""
    if uids is None:
        rows = await tx.all(_SAVE_DATES, (mailbox_id, account_id))
    else:
        rows = await _owned_among(tx, _SAVE_DATES + " AND {uids}", account_id, mailbox_id, uids)
    return {int(uid): int(saved) for uid, saved in rows}


async def select_zones(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> dict[int, int]:
    """uid -> minutes east of UTC, for the messages among ``uids`` not in UTC."""
    rows = await _owned_among(tx, _ZONES, account_id, mailbox_id, uids)
    return {int(uid): int(tz) for uid, tz in rows}


async def append_rows(
    tx: Tx,
    account_id: int,
    mailbox: str,
    new: Sequence[NewMessage],
    quota_default: QuotaLimits = UNLIMITED,
) -> list[StoredMessage]:
    """Every message or none: the caller's transaction commits them together, and
    OverQuota refuses them all when they would pass the account's quota (RFC 9208 §5)."""
    limits = await quota.hold(tx, [account_id], quota_default)
    octets = sum(len(message.content) for message in new)
    await quota.check(tx, account_id, limits[account_id], octets, len(new))
    target = await require_mailbox(tx, account_id, mailbox)
    blob_ids = await put_blobs(tx, [(message.content, message.meta) for message in new])
    rows = [
        NewRow(blob_id, b"", len(message.content), message.flags, message.internal_date)
        for blob_id, message in zip(blob_ids, new, strict=True)
    ]
    stored = await insert_messages(tx, account_id, target, rows)
    for row, message in zip(stored, new, strict=True):
        if message.internal_tz:
            await tx.run(
                "UPDATE messages SET internal_tz = ? WHERE mailbox_id = ? AND uid = ?",
                (message.internal_tz, row.mailbox_id, row.uid),
            )
    return stored


async def select_columns(
    tx: Tx, account_id: int, mailbox_id: int, names: Sequence[str], min_uid: int = 0
) -> list[tuple[object, ...]]:
    """(uid, *names) of every message in the mailbox from ``min_uid`` on, by uid (one join,
    no bodies)."""
    rows = await tx.all(
        f"SELECT {header_column_sql(names)} FROM messages m "
        "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blob_meta bm ON bm.blob_id = m.blob_id "
        "WHERE m.mailbox_id = ? AND x.account_id = ? AND m.uid >= ? ORDER BY m.uid",
        (mailbox_id, account_id, min_uid),
    )
    return [tuple(row) for row in rows]
