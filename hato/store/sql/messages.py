"""Messages, flags and expunges.

Every change bumps the mailbox's HIGHESTMODSEQ in the same statement that
reads it back (``UPDATE mailboxes ... RETURNING``), so the counters never drift
from the rows. Every write first holds the mailbox's row: adding a message does
it with that ``UPDATE``; flag changes and expunges with ``lock_mailbox``. On
PostgreSQL that lock queues concurrent writers on every node behind each
other, so none loses an update and UIDs and MODSEQs strictly ascend in commit
order (the UID invariant of docs/architecture.md); on SQLite, with one
writer, it only checks that the mailbox is the account's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import cast

from hato.store.base import (
    UNLIMITED,
    ConditionalStore,
    Delivery,
    FlagMode,
    Mailbox,
    MailboxError,
    MessageDetails,
    MessageMeta,
    MessageSummary,
    NoSuchMailbox,
    OverQuota,
    QuotaLimits,
    StoredMessage,
)
from hato.store.flags import SEEN, changed_flags, flags_from_columns, flags_to_columns
from hato.store.sql import quota
from hato.store.sql.blobs import collect_garbage, put_blob
from hato.store.sql.mailboxes import canonical_name, lock_mailbox, require_mailbox, require_owned
from hato.store.sql.tx import Row, Tx
from hato.store.sql.values import insert_values

__all__ = [
    "SUMMARY", "NewRow", "claim_recent", "copy_messages", "delete_messages", "deliver_rows",
    "insert_message", "insert_messages", "move_messages", "rows_among", "select_content",
    "select_details",
    "select_expunged_since", "select_listing", "select_summaries", "summary", "update_flags",
]  # fmt: skip

#: The columns ``summary`` reads, in its order.
SUMMARY = "uid, modseq, size, system_flags, keywords, internal_date"


def summary(row: Sequence[int | str]) -> MessageSummary:
    uid, modseq, size, mask, keywords, date = row
    return MessageSummary(
        int(uid), int(modseq), int(size), flags_from_columns(int(mask), str(keywords)), int(date)
    )


async def deliver_rows(
    tx: Tx,
    content: bytes,
    meta: MessageMeta,
    internal_date: int,
    deliveries: Sequence[Delivery],
    quota_default: QuotaLimits = UNLIMITED,
) -> list[StoredMessage]:
    """One shared body, one message row per delivery; an account whose copies would
    pass its quota (over ``quota_default``) gets none of them, the others theirs."""
    admitted = await _within_quota(tx, len(content), deliveries, quota_default)
    if not admitted:
        return []
    blob_id = await put_blob(tx, content, meta)
    stored = []
    for target in admitted:
        size = len(target.prefix) + len(content)
        account, prefix, flags = target.account_id, target.prefix, target.flags
        message = await insert_message(
            tx, account, target.mailbox, blob_id, prefix, size, flags, internal_date
        )
        stored.append(message)
    return stored


async def _within_quota(
    tx: Tx, body: int, deliveries: Sequence[Delivery], default: QuotaLimits
) -> list[Delivery]:
    """The deliveries of every account with room for all its copies (RFC 9208 §5)."""
    by_account: dict[int, list[Delivery]] = {}
    for target in deliveries:
        by_account.setdefault(target.account_id, []).append(target)
    limits = await quota.hold(tx, by_account, default)
    full: set[int] = set()
    for account_id, copies in by_account.items():
        octets = sum(len(target.prefix) + body for target in copies)
        try:
            await quota.check(tx, account_id, limits[account_id], octets, len(copies))
        except OverQuota:
            full.add(account_id)
    return [target for target in deliveries if target.account_id not in full]


@dataclass(frozen=True, slots=True)
class NewRow:
    """One message row to add: its body, the trace prefix before it, its size (prefix
    and body), flags and INTERNALDATE."""

    blob_id: int
    prefix: bytes
    size: int
    flags: Iterable[str]
    internal_date: int


async def insert_message(
    tx: Tx,
    account_id: int,
    mailbox: Mailbox | str,
    blob_id: int,
    prefix: bytes,
    size: int,
    flags: Iterable[str],
    internal_date: int,
) -> StoredMessage:
    """Add one message: next UID, next MODSEQ and counters in one step (``insert_messages``
    of one)."""
    row = NewRow(blob_id, prefix, size, flags, internal_date)
    return (await insert_messages(tx, account_id, mailbox, [row]))[0]


async def insert_messages(
    tx: Tx,
    account_id: int,
    mailbox: Mailbox | str,
    rows: Sequence[NewRow],
    uids: Sequence[int] | None = None,
) -> list[StoredMessage]:
    """Add messages to one mailbox: their UIDs and MODSEQs and its counters in one
    ``UPDATE ... RETURNING``, the rows in as few INSERTs as the parameter limit allows.

    The messages take the next UIDs in their order, and the next MODSEQs: the same
    numbers one message at a time would give. ``mailbox`` is one already looked up,
    or the name of one: then the same statement finds it and holds it. ``uids`` is
    for an import that keeps another server's UIDs (one a row, ascending): the
    messages take them and UIDNEXT moves past the last. A first UID below UIDNEXT
    matches no row (the UID invariant: never reused), and all are refused.
    """
    if not rows:
        return []
    if uids is not None and (len(uids) != len(rows) or any(a >= b for a, b in pairwise(uids))):
        raise ValueError("uids must be one a row, ascending")
    key: tuple[object, ...]
    if isinstance(mailbox, Mailbox):
        name, where, key = mailbox.name, "id = ?", (mailbox.id,)
    else:
        name, where = mailbox, "account_id = ? AND name = ?"
        key = (account_id, canonical_name(mailbox))
    columns = [flags_to_columns(row.flags) for row in rows]
    count, unseen = len(rows), sum(1 for mask, _ in columns if not mask & SEEN)
    advance, kept, guard = (
        ("uidnext + ?", (count,), ()) if uids is None else ("? + 1", (uids[-1],), (uids[0],))
    )
    found = await tx.one(
        f"UPDATE mailboxes SET uidnext = {advance}, highestmodseq = highestmodseq + ?, "
        "messages = messages + ?, unseen = unseen + ?, size = size + ? "
        f"WHERE {where}{' AND uidnext <= ?' if guard else ''} "
        "RETURNING id, uidnext, highestmodseq",
        (*kept, count, count, unseen, sum(row.size for row in rows), *key, *guard),
    )
    if found is None and uids is not None:
        raise MailboxError(f"UID {uids[0]} is below the UIDNEXT of {name} (or no such mailbox)")
    if found is None:
        raise NoSuchMailbox(name)
    mailbox_id, uidnext, top = (int(value) for value in found)
    given = range(uidnext - count, uidnext) if uids is None else uids
    modseqs = range(top - count + 1, top + 1)
    saved = int(time.time())  # RFC 8514 §3: a copy or a move is saved anew
    await insert_values(
        tx,
        "INSERT INTO messages (mailbox_id, uid, modseq, system_flags, keywords, "
        "internal_date, size, prefix, blob_id, save_date)",
        [
            (mailbox_id, uid, modseq, mask, keywords, row.internal_date, row.size, row.prefix,
             row.blob_id, saved)
            for uid, modseq, (mask, keywords), row in zip(
                given, modseqs, columns, rows, strict=True
            )
        ],
    )  # fmt: skip
    tx.touch(mailbox_id)
    return [
        StoredMessage(account_id, mailbox_id, uid, modseq, row.size)
        for uid, modseq, row in zip(given, modseqs, rows, strict=True)
    ]


async def rows_among(tx: Tx, sql: str, mailbox_id: int, uids: Sequence[int]) -> list[Row]:
    """Rows of ``sql`` for the messages of ``mailbox_id`` among ``uids``, by UID.

    ``sql`` has ``mailbox_id = ?`` first and a ``{uids}`` slot for the UID
    condition; it runs once per part of ``uids`` the dialect allows, the parts
    in ascending order, so rows ordered by UID within each stay in UID order.
    """
    rows: list[Row] = []
    for condition, params in tx.dialect.members("uid", sorted(set(uids))):
        rows.extend(await tx.all(sql.format(uids=condition), (mailbox_id, *params)))
    return rows


#: Statements for ``rows_among``, one row per message of the mailbox among the UIDs.
_FLAG_ROWS = (
    "SELECT uid, system_flags, keywords, size, internal_date, modseq FROM messages "
    "WHERE mailbox_id = ? AND {uids} ORDER BY uid"
)

_DELETED_ROWS = (
    "DELETE FROM messages WHERE mailbox_id = ? AND {uids} "
    "RETURNING uid, blob_id, size, system_flags"
)

_DETAIL_ROWS = (
    "SELECT m.uid, m.modseq, m.size, m.system_flags, m.keywords, m.internal_date, "
    "m.prefix, b.structure, k.envelope, k.bodystructure "
    "FROM messages m JOIN blob_meta b ON b.blob_id = m.blob_id "
    "LEFT JOIN kept_imap k ON k.blob_id = m.blob_id "
    "WHERE m.mailbox_id = ? AND {uids} ORDER BY m.uid"
)

_COPY_ROWS = (
    "SELECT uid, system_flags, keywords, internal_date, size, prefix, blob_id "
    "FROM messages WHERE mailbox_id = ? AND {uids} ORDER BY uid"
)


async def select_summaries(tx: Tx, account_id: int, mailbox_id: int) -> list[MessageSummary]:
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(
        f"SELECT {SUMMARY} FROM messages WHERE mailbox_id = ? ORDER BY uid", (mailbox_id,)
    )
    return [summary(row) for row in rows]


async def select_listing(tx: Tx, account_id: int, mailbox_id: int) -> list[tuple[int, int]]:
    """(uid, size) of every message in UID order: all a POP3 maildrop needs."""
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(
        "SELECT uid, size FROM messages WHERE mailbox_id = ? ORDER BY uid", (mailbox_id,)
    )
    # both drivers give INTEGER columns as int: the rows as they come (no pass over
    # 100,000 of them to convert what is converted already)
    return cast(list[tuple[int, int]], rows)


async def select_content(tx: Tx, account_id: int, mailbox_id: int, uid: int) -> bytes | None:
    """One statement, so SQLite may run it outside a read transaction (hot in POP3 RETR)."""
    row = await tx.one(
        "SELECT m.prefix, b.data FROM messages m "
        "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blobs b ON b.id = m.blob_id "
        "WHERE m.mailbox_id = ? AND m.uid = ? AND x.account_id = ?",
        (mailbox_id, uid, account_id),
    )
    return bytes(row[0]) + bytes(row[1]) if row else None


async def _next_modseq(tx: Tx, mailbox_id: int) -> int:
    tx.touch(mailbox_id)
    row = await tx.one(
        "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ? "
        "RETURNING highestmodseq",
        (mailbox_id,),
    )
    assert row is not None
    return int(row[0])


async def update_flags(
    tx: Tx,
    account_id: int,
    mailbox_id: int,
    uids: Sequence[int],
    flags: Iterable[str],
    mode: FlagMode,
    unchangedsince: int | None = None,
) -> ConditionalStore:
    """Change flags (RFC 3501 §6.4.6); ``changed`` lists the messages that really changed.

    All messages changed by one call share one new MODSEQ (RFC 7162 §3.1 allows it).
    With ``unchangedsince`` (STORE UNCHANGEDSINCE, RFC 7162 §3.1.3), messages whose
    MODSEQ is above it are left alone and listed as ``modified``; the mailbox is
    held from the check to the commit, so no other writer slips between.
    """
    await lock_mailbox(tx, account_id, mailbox_id)
    flags = list(flags)
    rows = await rows_among(tx, _FLAG_ROWS, mailbox_id, uids)
    updates: list[tuple[int, str, int]] = []
    changed: list[MessageSummary] = []
    modified: list[int] = []
    seen_delta = 0
    modseq = 0
    for uid, mask, keywords, size, date, old_modseq in rows:
        if unchangedsince is not None and old_modseq > unchangedsince:
            modified.append(uid)
            continue
        new_mask, new_keywords = changed_flags(mode, mask, keywords, flags)
        if (new_mask, new_keywords) == (mask, keywords):
            continue
        modseq = modseq or await _next_modseq(tx, mailbox_id)
        updates.append((new_mask, new_keywords, uid))
        seen_delta += bool(mask & SEEN) - bool(new_mask & SEEN)
        new_flags = flags_from_columns(new_mask, new_keywords)
        changed.append(MessageSummary(uid, modseq, size, new_flags, date))
    await tx.many(
        "UPDATE messages SET system_flags = ?, keywords = ?, modseq = ? "
        "WHERE mailbox_id = ? AND uid = ?",
        [(mask, keywords, modseq, mailbox_id, uid) for mask, keywords, uid in updates],
    )
    if seen_delta:
        await tx.run(
            "UPDATE mailboxes SET unseen = unseen + ? WHERE id = ?", (seen_delta, mailbox_id)
        )
    return ConditionalStore(changed, modified)


async def delete_messages(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> list[int]:
    """Expunge: remove messages, leave tombstones, fix counters, free unused bodies."""
    await lock_mailbox(tx, account_id, mailbox_id)
    rows = await rows_among(tx, _DELETED_ROWS, mailbox_id, uids)
    if not rows:
        return []
    modseq = await _next_modseq(tx, mailbox_id)
    await tx.many(
        "INSERT INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?) "
        "ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq",
        [(mailbox_id, row[0], modseq) for row in rows],
    )
    await tx.run(
        "UPDATE mailboxes SET messages = messages - ?, size = size - ?, "
        "unseen = unseen - ? WHERE id = ?",
        (
            len(rows),
            sum(row[2] for row in rows),
            sum(1 for row in rows if not row[3] & SEEN),
            mailbox_id,
        ),
    )
    await collect_garbage(tx, [row[1] for row in rows])
    return sorted(int(row[0]) for row in rows)


async def select_expunged_since(tx: Tx, account_id: int, mailbox_id: int, modseq: int) -> list[int]:
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(
        "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
        (mailbox_id, modseq),
    )
    return [int(row[0]) for row in rows]


async def select_details(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> list[MessageDetails]:
    """Everything FETCH needs but the body: flags, dates, prefix, cached structure and
    kept IMAP answers."""
    await require_owned(tx, account_id, mailbox_id)
    rows = await rows_among(tx, _DETAIL_ROWS, mailbox_id, uids)
    return [MessageDetails(summary(row[:6]), bytes(row[6]), row[7], row[8], row[9]) for row in rows]


async def copy_messages(
    tx: Tx,
    account_id: int,
    mailbox_id: int,
    uids: Sequence[int],
    target: str,
    quota_default: QuotaLimits | None = UNLIMITED,
) -> list[tuple[int, int]]:
    """COPY (RFC 3501 §6.4.7): new UIDs in ``target``, flags kept, bodies shared.

    Returns (source uid, new uid) pairs in source UID order, for COPYUID (RFC 4315).
    The copies count against the account's quota (``quota_default``: the configured
    default; None: not checked, for MOVE): OverQuota refuses them all (RFC 9208 §5).
    """
    held = None
    if quota_default is not None:  # the account before any mailbox: quota.py's lock order
        held = await quota.hold(tx, [account_id], quota_default)
    await require_owned(tx, account_id, mailbox_id)
    destination = await require_mailbox(tx, account_id, target)
    for ident in sorted({mailbox_id, destination.id}):  # one lock order: no deadlock
        await lock_mailbox(tx, account_id, ident)
    rows = await rows_among(tx, _COPY_ROWS, mailbox_id, uids)
    if held is not None:
        octets = sum(int(row[4]) for row in rows)
        await quota.check(tx, account_id, held[account_id], octets, len(rows))
    copies = [
        NewRow(blob_id, bytes(prefix), size, flags_from_columns(mask, keywords), date)
        for _, mask, keywords, date, size, prefix, blob_id in rows
    ]
    stored = await insert_messages(tx, account_id, destination, copies)
    return [(int(row[0]), new.uid) for row, new in zip(rows, stored, strict=True)]


async def move_messages(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int], target: str
) -> list[tuple[int, int]]:
    """MOVE (RFC 6851): copy and expunge in one transaction; the account's usage does
    not change, so its quota is not checked (quota.py)."""
    pairs = await copy_messages(tx, account_id, mailbox_id, uids, target, None)
    await delete_messages(tx, account_id, mailbox_id, [source for source, _ in pairs])
    return pairs


async def claim_recent(tx: Tx, account_id: int, mailbox_id: int) -> int:
    """RFC 3501 §2.3.2 \\Recent: the first UID recent for this session.

    Messages from the returned UID up are \\Recent for the caller alone: the
    mailbox's mark moves to UIDNEXT so no later session sees them as recent.
    """
    row = await tx.one(
        "SELECT first_recent_uid FROM mailboxes WHERE id = ? AND account_id = ?"
        f"{tx.dialect.for_update}",
        (mailbox_id, account_id),
    )
    if row is None:
        raise NoSuchMailbox(str(mailbox_id))
    await tx.run("UPDATE mailboxes SET first_recent_uid = uidnext WHERE id = ?", (mailbox_id,))
    return int(row[0])
