"""SQL for messages, flags and expunges (PostgreSQL).

Every change first takes the mailbox's row lock — adding a message does it with
``UPDATE mailboxes ... RETURNING`` (next UID, next MODSEQ and counters in one
statement); flag changes and expunges with ``lock_mailbox`` — so concurrent
writers on every node see each other's committed rows and never lose an update,
and UIDs and MODSEQs strictly ascend (invariant 2 of docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hato.store.base import (
    ConditionalStore,
    FlagMode,
    Mailbox,
    MessageDetails,
    MessageSummary,
    NoSuchMailbox,
    StoredMessage,
)
from hato.store.flags import SEEN, changed_flags, flags_from_columns, flags_to_columns
from hato.store.postgres.engine import Tx
from hato.store.sql.blobs import collect_garbage
from hato.store.sql.mailboxes import (
    canonical_name,
    lock_mailbox,
    owns_mailbox,
    require_mailbox,
)

SUMMARY = "uid, modseq, size, system_flags, keywords, internal_date"


def summary(row: Sequence[int | str]) -> MessageSummary:
    uid, modseq, size, mask, keywords, date = row
    return MessageSummary(
        int(uid), int(modseq), int(size), flags_from_columns(int(mask), str(keywords)), int(date)
    )


async def insert_message(
    tx: Tx,
    account_id: int,
    mailbox: Mailbox,
    blob_id: int,
    prefix: bytes,
    size: int,
    flags: Iterable[str],
    internal_date: int,
) -> StoredMessage:
    """Add one message: next UID, next MODSEQ and counters in one step."""
    mask, keywords = flags_to_columns(flags)
    row = await tx.one(
        "UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1, "
        "messages = messages + 1, unseen = unseen + %s, size = size + %s "
        "WHERE id = %s RETURNING uidnext - 1, highestmodseq",
        (0 if mask & SEEN else 1, size, mailbox.id),
    )
    if row is None:
        raise NoSuchMailbox(mailbox.name)
    uid, modseq = int(row[0]), int(row[1])
    await _insert_row(
        tx, mailbox.id, uid, modseq, mask, keywords, internal_date, size, prefix, blob_id
    )
    return StoredMessage(account_id, mailbox.id, uid, modseq, size)


async def insert_by_name(
    tx: Tx,
    account_id: int,
    name: str,
    blob_id: int,
    prefix: bytes,
    size: int,
    flags: Iterable[str],
    internal_date: int,
) -> StoredMessage:
    """``insert_message`` into the mailbox called ``name``: found and locked in one step."""
    mask, keywords = flags_to_columns(flags)
    row = await tx.one(
        "UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1, "
        "messages = messages + 1, unseen = unseen + %s, size = size + %s "
        "WHERE account_id = %s AND name = %s RETURNING id, uidnext - 1, highestmodseq",
        (0 if mask & SEEN else 1, size, account_id, canonical_name(name)),
    )
    if row is None:
        raise NoSuchMailbox(name)
    mailbox_id, uid, modseq = int(row[0]), int(row[1]), int(row[2])
    await _insert_row(
        tx, mailbox_id, uid, modseq, mask, keywords, internal_date, size, prefix, blob_id
    )
    return StoredMessage(account_id, mailbox_id, uid, modseq, size)


async def _insert_row(tx: Tx, mailbox_id: int, *values: object) -> None:
    """(mailbox_id, uid, modseq, mask, keywords, internal_date, size, prefix, blob_id)."""
    await tx.run(
        "INSERT INTO messages (mailbox_id, uid, modseq, system_flags, keywords, "
        "internal_date, size, prefix, blob_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (mailbox_id, *values),
    )
    tx.touch(mailbox_id)


async def require_owned(tx: Tx, account_id: int, mailbox_id: int) -> None:
    if not await owns_mailbox(tx, account_id, mailbox_id):
        raise NoSuchMailbox(str(mailbox_id))


async def select_summaries(tx: Tx, account_id: int, mailbox_id: int) -> list[MessageSummary]:
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(
        f"SELECT {SUMMARY} FROM messages WHERE mailbox_id = %s ORDER BY uid", (mailbox_id,)
    )
    return [summary(row) for row in rows]


async def select_listing(tx: Tx, account_id: int, mailbox_id: int) -> list[tuple[int, int]]:
    """(uid, size) of every message in UID order: all a POP3 maildrop needs."""
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(
        "SELECT uid, size FROM messages WHERE mailbox_id = %s ORDER BY uid", (mailbox_id,)
    )
    return [(int(uid), int(size)) for uid, size in rows]


async def select_content(tx: Tx, account_id: int, mailbox_id: int, uid: int) -> bytes | None:
    row = await tx.one(
        "SELECT m.prefix, b.data FROM messages m "
        "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blobs b ON b.id = m.blob_id "
        "WHERE m.mailbox_id = %s AND m.uid = %s AND x.account_id = %s",
        (mailbox_id, uid, account_id),
    )
    return bytes(row[0]) + bytes(row[1]) if row else None


async def next_modseq(tx: Tx, mailbox_id: int) -> int:
    tx.touch(mailbox_id)
    row = await tx.one(
        "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = %s "
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
) -> list[MessageSummary]:
    """Change flags (RFC 3501 §6.4.6); returns the messages that really changed.

    All messages changed by one call share one new MODSEQ (RFC 7162 §3.1 allows it).
    """
    done = await update_flags_unchanged_since(tx, account_id, mailbox_id, uids, flags, mode, None)
    return done.changed


async def update_flags_unchanged_since(
    tx: Tx,
    account_id: int,
    mailbox_id: int,
    uids: Sequence[int],
    flags: Iterable[str],
    mode: FlagMode,
    unchangedsince: int | None,
) -> ConditionalStore:
    """STORE (UNCHANGEDSINCE n) (RFC 7162 §3.1.3): messages whose MODSEQ is above
    ``unchangedsince`` are left alone and listed as ``modified``; the mailbox's row
    lock is held from the check to the commit, so no other writer slips between."""
    await lock_mailbox(tx, account_id, mailbox_id)
    flags = list(flags)
    rows = await tx.all(
        "SELECT uid, system_flags, keywords, size, internal_date, modseq FROM messages "
        "WHERE mailbox_id = %s AND uid = ANY(%s::bigint[]) ORDER BY uid",
        (mailbox_id, sorted(set(uids))),
    )
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
        modseq = modseq or await next_modseq(tx, mailbox_id)
        updates.append((new_mask, new_keywords, uid))
        seen_delta += bool(mask & SEEN) - bool(new_mask & SEEN)
        new_flags = flags_from_columns(new_mask, new_keywords)
        changed.append(MessageSummary(uid, modseq, size, new_flags, date))
    await tx.many(
        "UPDATE messages SET system_flags = %s, keywords = %s, modseq = %s "
        "WHERE mailbox_id = %s AND uid = %s",
        [(mask, keywords, modseq, mailbox_id, uid) for mask, keywords, uid in updates],
    )
    if seen_delta:
        await tx.run(
            "UPDATE mailboxes SET unseen = unseen + %s WHERE id = %s", (seen_delta, mailbox_id)
        )
    return ConditionalStore(changed, modified)


async def delete_messages(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> list[int]:
    """Expunge: remove messages, leave tombstones, fix counters, free unused bodies."""
    await lock_mailbox(tx, account_id, mailbox_id)
    rows = await tx.all(
        "DELETE FROM messages WHERE mailbox_id = %s AND uid = ANY(%s::bigint[]) "
        "RETURNING uid, blob_id, size, system_flags",
        (mailbox_id, sorted(set(uids))),
    )
    if not rows:
        return []
    modseq = await next_modseq(tx, mailbox_id)
    await tx.run(
        "INSERT INTO expunged (mailbox_id, uid, modseq) "
        "SELECT %s, uid, %s FROM unnest(%s::bigint[]) AS uid "
        "ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq",
        (mailbox_id, modseq, [row[0] for row in rows]),
    )
    await tx.run(
        "UPDATE mailboxes SET messages = messages - %s, size = size - %s, "
        "unseen = unseen - %s WHERE id = %s",
        (
            len(rows),
            sum(row[2] for row in rows),
            sum(1 for row in rows if not row[3] & SEEN),
            mailbox_id,
        ),
    )
    await collect_garbage(tx, [row[1] for row in rows])
    return sorted(row[0] for row in rows)


async def select_expunged_since(tx: Tx, account_id: int, mailbox_id: int, modseq: int) -> list[int]:
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(
        "SELECT uid FROM expunged WHERE mailbox_id = %s AND modseq > %s ORDER BY uid",
        (mailbox_id, modseq),
    )
    return [row[0] for row in rows]


async def select_details(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> list[MessageDetails]:
    """Everything FETCH needs but the body: flags, dates, prefix and cached structure."""
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(
        "SELECT m.uid, m.modseq, m.size, m.system_flags, m.keywords, m.internal_date, "
        "m.prefix, b.structure FROM messages m JOIN blob_meta b ON b.blob_id = m.blob_id "
        "WHERE m.mailbox_id = %s AND m.uid = ANY(%s::bigint[]) ORDER BY m.uid",
        (mailbox_id, sorted(set(uids))),
    )
    return [MessageDetails(summary(row[:6]), bytes(row[6]), row[7]) for row in rows]


async def copy_messages(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int], target: str
) -> list[tuple[int, int]]:
    """COPY (RFC 3501 §6.4.7): new UIDs in ``target``, flags kept, bodies shared.

    Returns (source uid, new uid) pairs in source UID order, for COPYUID (RFC 4315).
    """
    await require_owned(tx, account_id, mailbox_id)
    destination = await require_mailbox(tx, account_id, target)
    for ident in sorted({mailbox_id, destination.id}):  # one lock order: no deadlock
        await lock_mailbox(tx, account_id, ident)
    rows = await tx.all(
        "SELECT uid, system_flags, keywords, internal_date, size, prefix, blob_id "
        "FROM messages WHERE mailbox_id = %s AND uid = ANY(%s::bigint[]) ORDER BY uid",
        (mailbox_id, sorted(set(uids))),
    )
    pairs: list[tuple[int, int]] = []
    for uid, mask, keywords, date, size, prefix, blob_id in rows:
        flags = flags_from_columns(mask, keywords)
        new = await insert_message(
            tx, account_id, destination, blob_id, bytes(prefix), size, flags, date
        )
        pairs.append((uid, new.uid))
    return pairs


async def move_messages(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int], target: str
) -> list[tuple[int, int]]:
    """MOVE (RFC 6851): copy and expunge in one transaction."""
    pairs = await copy_messages(tx, account_id, mailbox_id, uids, target)
    await delete_messages(tx, account_id, mailbox_id, [source for source, _ in pairs])
    return pairs


async def claim_recent(tx: Tx, account_id: int, mailbox_id: int) -> int:
    """RFC 3501 §2.3.2 \\Recent: the first UID recent for this session."""
    row = await tx.one(
        "SELECT first_recent_uid FROM mailboxes WHERE id = %s AND account_id = %s FOR UPDATE",
        (mailbox_id, account_id),
    )
    if row is None:
        raise NoSuchMailbox(str(mailbox_id))
    await tx.run("UPDATE mailboxes SET first_recent_uid = uidnext WHERE id = %s", (mailbox_id,))
    return int(row[0])
