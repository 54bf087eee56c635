"""IMAP answers the store keeps once made, read back a batch at a time (schema versions 24
to 26, hato/store/schema.py).

A FETCH that asks only for what the session's view holds and for kept answers (ENVELOPE,
BODYSTRUCTURE, one list of header fields) is answered from one statement a batch that
reads neither bodies nor parsed structures (hato.imap.fetch_kept): ``select_kept``.
``update_imap_answers`` keeps a body's ENVELOPE and BODYSTRUCTURE; ``insert_kept_fields``
keeps the header fields a FETCH picked, at most ``KEPT_LISTS_PER_MESSAGE`` lists a
message, so that a client asking list after list cannot grow the store without bound.
"""

from __future__ import annotations

from collections.abc import Sequence

from hato.store.sql.mailboxes import require_owned
from hato.store.sql.tx import Tx

__all__ = [
    "KEPT_LISTS_PER_MESSAGE", "Kept", "insert_kept_fields", "select_kept", "update_imap_answers",
]  # fmt: skip

#: Lists of header fields kept for one message at most (a client's own lists beyond
#: these are picked from the message each time).
KEPT_LISTS_PER_MESSAGE = 4

#: (uid, kept ENVELOPE, kept BODYSTRUCTURE, kept header fields of the list asked), None
#: where not kept.
Kept = tuple[int, str | None, str | None, bytes | None]

_KEPT = (
    "SELECT m.uid, {answers}, {fields} FROM messages m "
    "JOIN mailboxes x ON x.id = m.mailbox_id {join}"
    "WHERE m.mailbox_id = ? AND x.account_id = ? AND {{uids}} ORDER BY m.uid"
)
_ANSWERS_JOIN = "LEFT JOIN kept_imap k ON k.blob_id = m.blob_id "
_FIELDS_JOIN = (
    "LEFT JOIN kept_fields f ON f.mailbox_id = m.mailbox_id AND f.uid = m.uid AND f.names = ? "
)
#: By (answers asked, fields asked): each statement joins only the table it reads.
_STATEMENTS = {
    (answers, fields): _KEPT.format(
        answers="k.envelope, k.bodystructure" if answers else "NULL, NULL",
        fields="f.data" if fields else "NULL",
        join=(_ANSWERS_JOIN if answers else "") + (_FIELDS_JOIN if fields else ""),
    )
    for answers in (False, True)
    for fields in (False, True)
}


async def select_kept(
    tx: Tx,
    account_id: int,
    mailbox_id: int,
    uids: Sequence[int],
    names: str | None,
    answers: bool,
) -> list[Kept]:
    """What the messages among ``uids`` kept, by UID (a message gone, or another
    account's, has no row): their ENVELOPE and BODYSTRUCTURE if ``answers`` (else None),
    their header fields kept under ``names`` (hato/store/schema.py, version 25), if given.
    One statement when the dialect takes the UIDs in one."""
    sql = _STATEMENTS[answers, names is not None]
    first = () if names is None else (names,)
    rows: list[Kept] = []
    for condition, params in tx.dialect.members("m.uid", sorted(set(uids))):
        for uid, envelope, structure, data in await tx.all(
            sql.format(uids=condition), (*first, mailbox_id, account_id, *params)
        ):
            rows.append((int(uid), envelope, structure, None if data is None else bytes(data)))
    return rows


async def insert_kept_fields(
    tx: Tx, account_id: int, mailbox_id: int, names: str, values: Sequence[tuple[int, bytes]]
) -> None:
    """Keep (uid, header fields) picked for the list ``names``; a message that has it
    already, that has ``KEPT_LISTS_PER_MESSAGE`` lists, or that is gone, is left alone."""
    await require_owned(tx, account_id, mailbox_id)
    await tx.many(
        "INSERT INTO kept_fields (mailbox_id, uid, names, data) "
        "SELECT m.mailbox_id, m.uid, ?, ? FROM messages m "
        "WHERE m.mailbox_id = ? AND m.uid = ? AND (SELECT COUNT(*) FROM kept_fields k "
        "WHERE k.mailbox_id = m.mailbox_id AND k.uid = m.uid) < ? "
        "ON CONFLICT DO NOTHING",
        [(names, data, mailbox_id, uid, KEPT_LISTS_PER_MESSAGE) for uid, data in values],
    )


async def update_imap_answers(
    tx: Tx,
    account_id: int,
    mailbox_id: int,
    values: Sequence[tuple[int, str | None, str | None]],
) -> None:
    """Keep (uid, envelope, bodystructure) as IMAP sends them (None: not made); an
    answer a body has kept already stays (it is the same)."""
    await require_owned(tx, account_id, mailbox_id)
    await tx.many(
        "INSERT INTO kept_imap (blob_id, envelope, bodystructure) "
        "SELECT blob_id, ?, ? FROM messages WHERE mailbox_id = ? AND uid = ? "
        "ON CONFLICT (blob_id) DO UPDATE SET "
        "envelope = COALESCE(kept_imap.envelope, excluded.envelope), "
        "bodystructure = COALESCE(kept_imap.bodystructure, excluded.bodystructure)",
        [(envelope, structure, mailbox_id, uid) for uid, envelope, structure in values],
    )
