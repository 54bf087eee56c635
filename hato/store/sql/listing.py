"""Message lists, newest first, a page at a time: what the web console shows.

A page is found by position in the mailbox's primary key, (mailbox_id, uid), read
backwards: the inner ``SELECT uid ... LIMIT ? OFFSET ?`` walks that index alone (a
covering index scan on SQLite, an index-only scan on PostgreSQL), so the 1,000th page
of a 86,719-message mailbox skips 50,000 index entries and reads no row; only the
page's own lines are then joined to ``blob_meta`` for what the list shows (the
cached structure, for the envelope; the snippet and attachment count kept at
delivery). No body is read.
"""

from __future__ import annotations

from collections.abc import Sequence

from hato.store.base import ListedMessage
from hato.store.sql.mailboxes import require_owned
from hato.store.sql.messages import summary
from hato.store.sql.tx import Row, Tx

__all__ = ["select_attachment_counts", "select_listed", "select_page", "update_listing"]

_LINE = (
    "SELECT m.uid, m.modseq, m.size, m.system_flags, m.keywords, m.internal_date, "
    "bm.structure, bm.snippet, bm.attachments "
    "FROM messages m JOIN blob_meta bm ON bm.blob_id = m.blob_id "
)
_PAGE = (
    _LINE + "WHERE m.mailbox_id = ? AND m.uid IN (SELECT uid FROM messages "
    "WHERE mailbox_id = ? ORDER BY uid DESC LIMIT ? OFFSET ?) ORDER BY m.uid DESC"
)
_AMONG = _LINE + "WHERE m.mailbox_id = ? AND {uids}"


def _listed(row: Row) -> ListedMessage:
    snippet, attachments = row[7], row[8]
    return ListedMessage(
        summary(row[:6]),
        str(row[6]),
        None if snippet is None else str(snippet),
        None if attachments is None else int(attachments),
    )


async def select_page(
    tx: Tx, account_id: int, mailbox_id: int, offset: int, limit: int
) -> list[ListedMessage]:
    """``limit`` lines after the ``offset`` newest, newest first."""
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(_PAGE, (mailbox_id, mailbox_id, limit, offset))
    return [_listed(row) for row in rows]


async def select_listed(
    tx: Tx, account_id: int, mailbox_id: int, uids: Sequence[int]
) -> list[ListedMessage]:
    """The lines of the messages among ``uids`` that exist, newest first."""
    await require_owned(tx, account_id, mailbox_id)
    rows: list[Row] = []
    for condition, params in tx.dialect.members("m.uid", sorted(set(uids))):
        rows.extend(await tx.all(_AMONG.format(uids=condition), (mailbox_id, *params)))
    return sorted((_listed(row) for row in rows), key=lambda line: -line.summary.uid)


async def select_attachment_counts(
    tx: Tx, account_id: int, mailbox_id: int
) -> dict[int, int | None]:
    """uid -> attachment count kept at delivery (None where it was not) of every message:
    one scan of the mailbox joined to ``blob_meta``, no structure and no body read."""
    await require_owned(tx, account_id, mailbox_id)
    rows = await tx.all(
        "SELECT m.uid, bm.attachments FROM messages m JOIN blob_meta bm "
        "ON bm.blob_id = m.blob_id WHERE m.mailbox_id = ?",
        (mailbox_id,),
    )
    return {int(uid): None if count is None else int(count) for uid, count in rows}


async def update_listing(
    tx: Tx, account_id: int, mailbox_id: int, values: Sequence[tuple[int, str, int]]
) -> None:
    """Keep (uid, snippet, attachments) for bodies stored before they were kept at
    delivery; a body that has them already keeps its own (they are the same)."""
    await require_owned(tx, account_id, mailbox_id)
    await tx.many(
        "UPDATE blob_meta SET snippet = ?, attachments = ? WHERE snippet IS NULL AND "
        "blob_id = (SELECT blob_id FROM messages WHERE mailbox_id = ? AND uid = ?)",
        [(snippet, attachments, mailbox_id, uid) for uid, snippet, attachments in values],
    )
