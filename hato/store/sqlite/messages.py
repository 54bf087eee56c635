"""SQL for messages, flags and expunges (SQLite).

Every change bumps the mailbox's HIGHESTMODSEQ in the same statement that
reads it back (``UPDATE ... RETURNING``), so MODSEQs strictly ascend
(invariant 2 of docs/architecture.md) and the counters never drift from the rows.
"""

from __future__ import annotations

import sqlite3
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
from hato.store.sqlite.blobs import chunks, collect_garbage
from hato.store.sqlite.engine import touch
from hato.store.sqlite.mailboxes import owns_mailbox, require_mailbox


def insert_message(
    conn: sqlite3.Connection,
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
    unseen = 0 if mask & SEEN else 1
    uid, modseq = conn.execute(
        "UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1, "
        "messages = messages + 1, unseen = unseen + ?, size = size + ? "
        "WHERE id = ? RETURNING uidnext - 1, highestmodseq",
        (unseen, size, mailbox.id),
    ).fetchone()
    conn.execute(
        "INSERT INTO messages (mailbox_id, uid, modseq, system_flags, keywords, "
        "internal_date, size, prefix, blob_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (mailbox.id, uid, modseq, mask, keywords, internal_date, size, prefix, blob_id),
    )
    touch(conn, mailbox.id)
    return StoredMessage(account_id, mailbox.id, int(uid), int(modseq), size)


def _require_owned(conn: sqlite3.Connection, account_id: int, mailbox_id: int) -> None:
    if not owns_mailbox(conn, account_id, mailbox_id):
        raise NoSuchMailbox(str(mailbox_id))


def select_summaries(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int
) -> list[MessageSummary]:
    _require_owned(conn, account_id, mailbox_id)
    rows = conn.execute(
        "SELECT uid, modseq, size, system_flags, keywords, internal_date FROM messages "
        "WHERE mailbox_id = ? ORDER BY uid",
        (mailbox_id,),
    )
    return [
        MessageSummary(uid, modseq, size, flags_from_columns(mask, keywords), date)
        for uid, modseq, size, mask, keywords, date in rows
    ]


def select_listing(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int
) -> list[tuple[int, int]]:
    """(uid, size) of every message in UID order: all a POP3 maildrop needs."""
    _require_owned(conn, account_id, mailbox_id)
    rows = conn.execute(
        "SELECT uid, size FROM messages WHERE mailbox_id = ? ORDER BY uid", (mailbox_id,)
    )
    return rows.fetchall()


def select_content(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, uid: int
) -> bytes | None:
    row = conn.execute(
        "SELECT m.prefix, b.data FROM messages m "
        "JOIN mailboxes x ON x.id = m.mailbox_id JOIN blobs b ON b.id = m.blob_id "
        "WHERE m.mailbox_id = ? AND m.uid = ? AND x.account_id = ?",
        (mailbox_id, uid, account_id),
    ).fetchone()
    return bytes(row[0]) + bytes(row[1]) if row else None


def _next_modseq(conn: sqlite3.Connection, mailbox_id: int) -> int:
    touch(conn, mailbox_id)
    row = conn.execute(
        "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ? "
        "RETURNING highestmodseq",
        (mailbox_id,),
    ).fetchone()
    return int(row[0])


def update_flags(
    conn: sqlite3.Connection,
    account_id: int,
    mailbox_id: int,
    uids: Sequence[int],
    flags: Iterable[str],
    mode: FlagMode,
) -> list[MessageSummary]:
    """Change flags (RFC 3501 §6.4.6); returns the messages that really changed.

    All messages changed by one call share one new MODSEQ (RFC 7162 §3.1 allows it).
    """
    return update_flags_unchanged_since(
        conn, account_id, mailbox_id, uids, flags, mode, None
    ).changed


def update_flags_unchanged_since(
    conn: sqlite3.Connection,
    account_id: int,
    mailbox_id: int,
    uids: Sequence[int],
    flags: Iterable[str],
    mode: FlagMode,
    unchangedsince: int | None,
) -> ConditionalStore:
    """STORE (UNCHANGEDSINCE n) (RFC 7162 §3.1.3): messages whose MODSEQ is above
    ``unchangedsince`` are left alone and listed as ``modified``; the check and the
    change happen in this one write transaction, so no other writer slips between."""
    _require_owned(conn, account_id, mailbox_id)
    flags = list(flags)
    modseq = 0
    changed: list[MessageSummary] = []
    modified: list[int] = []
    for chunk in chunks(sorted(set(uids))):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT uid, system_flags, keywords, size, internal_date, modseq FROM messages "
            f"WHERE mailbox_id = ? AND uid IN ({marks}) ORDER BY uid",
            (mailbox_id, *chunk),
        ).fetchall()
        for uid, mask, keywords, size, date, old_modseq in rows:
            if unchangedsince is not None and old_modseq > unchangedsince:
                modified.append(uid)
                continue
            new_mask, new_keywords = changed_flags(mode, mask, keywords, flags)
            if (new_mask, new_keywords) == (mask, keywords):
                continue
            modseq = modseq or _next_modseq(conn, mailbox_id)
            conn.execute(
                "UPDATE messages SET system_flags = ?, keywords = ?, modseq = ? "
                "WHERE mailbox_id = ? AND uid = ?",
                (new_mask, new_keywords, modseq, mailbox_id, uid),
            )
            seen_delta = bool(mask & SEEN) - bool(new_mask & SEEN)
            if seen_delta:
                conn.execute(
                    "UPDATE mailboxes SET unseen = unseen + ? WHERE id = ?",
                    (seen_delta, mailbox_id),
                )
            new_flags = flags_from_columns(new_mask, new_keywords)
            changed.append(MessageSummary(uid, modseq, size, new_flags, date))
    return ConditionalStore(changed, modified)


def delete_messages(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> list[int]:
    """Expunge: remove messages, leave tombstones, fix counters, free unused bodies."""
    _require_owned(conn, account_id, mailbox_id)
    gone: list[int] = []
    blob_ids: list[int] = []
    modseq = 0
    for chunk in chunks(sorted(set(uids))):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"DELETE FROM messages WHERE mailbox_id = ? AND uid IN ({marks}) "
            "RETURNING uid, blob_id, size, system_flags",
            (mailbox_id, *chunk),
        ).fetchall()
        if not rows:
            continue
        modseq = modseq or _next_modseq(conn, mailbox_id)
        conn.executemany(
            "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)",
            [(mailbox_id, row[0], modseq) for row in rows],
        )
        conn.execute(
            "UPDATE mailboxes SET messages = messages - ?, size = size - ?, "
            "unseen = unseen - ? WHERE id = ?",
            (
                len(rows),
                sum(row[2] for row in rows),
                sum(1 for row in rows if not row[3] & SEEN),
                mailbox_id,
            ),
        )
        gone.extend(row[0] for row in rows)
        blob_ids.extend(row[1] for row in rows)
    collect_garbage(conn, blob_ids)
    return sorted(gone)


def select_expunged_since(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, modseq: int
) -> list[int]:
    _require_owned(conn, account_id, mailbox_id)
    rows = conn.execute(
        "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
        (mailbox_id, modseq),
    )
    return [row[0] for row in rows]


def select_details(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> list[MessageDetails]:
    """Everything FETCH needs but the body: flags, dates, prefix and cached structure."""
    _require_owned(conn, account_id, mailbox_id)
    details: list[MessageDetails] = []
    for chunk in chunks(sorted(set(uids))):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT m.uid, m.modseq, m.size, m.system_flags, m.keywords, m.internal_date, "
            "m.prefix, b.structure FROM messages m JOIN blob_meta b ON b.blob_id = m.blob_id "
            f"WHERE m.mailbox_id = ? AND m.uid IN ({marks}) ORDER BY m.uid",
            (mailbox_id, *chunk),
        )
        details.extend(
            MessageDetails(
                MessageSummary(uid, modseq, size, flags_from_columns(mask, keywords), date),
                bytes(prefix),
                structure,
            )
            for uid, modseq, size, mask, keywords, date, prefix, structure in rows
        )
    return details


def copy_messages(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, uids: Sequence[int], target: str
) -> list[tuple[int, int]]:
    """COPY (RFC 3501 §6.4.7): new UIDs in ``target``, flags kept, bodies shared.

    Returns (source uid, new uid) pairs in source UID order, for COPYUID (RFC 4315).
    """
    _require_owned(conn, account_id, mailbox_id)
    destination = require_mailbox(conn, account_id, target)
    pairs: list[tuple[int, int]] = []
    for chunk in chunks(sorted(set(uids))):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT uid, system_flags, keywords, internal_date, size, prefix, blob_id "
            f"FROM messages WHERE mailbox_id = ? AND uid IN ({marks}) ORDER BY uid",
            (mailbox_id, *chunk),
        ).fetchall()
        for uid, mask, keywords, date, size, prefix, blob_id in rows:
            flags = flags_from_columns(mask, keywords)
            new = insert_message(
                conn, account_id, destination, blob_id, bytes(prefix), size, flags, date
            )
            pairs.append((uid, new.uid))
    return pairs


def move_messages(
    conn: sqlite3.Connection, account_id: int, mailbox_id: int, uids: Sequence[int], target: str
) -> list[tuple[int, int]]:
    """MOVE (RFC 6851): copy and expunge in one transaction."""
    pairs = copy_messages(conn, account_id, mailbox_id, uids, target)
    delete_messages(conn, account_id, mailbox_id, [source for source, _ in pairs])
    return pairs


def claim_recent(conn: sqlite3.Connection, account_id: int, mailbox_id: int) -> int:
    """RFC 3501 §2.3.2 \\Recent: the first UID recent for this session.

    Messages from the returned UID up are \\Recent for the caller alone: the
    mailbox's mark moves to UIDNEXT so no later session sees them as recent.
    """
    row = conn.execute(
        "SELECT first_recent_uid FROM mailboxes WHERE id = ? AND account_id = ?",
        (mailbox_id, account_id),
    ).fetchone()
    if row is None:
        raise NoSuchMailbox(str(mailbox_id))
    conn.execute("UPDATE mailboxes SET first_recent_uid = uidnext WHERE id = ?", (mailbox_id,))
    return int(row[0])
