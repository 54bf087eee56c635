"""METADATA (RFC 5464): annotations of the server and of mailboxes, one account's own.

Server annotations (the IMAP mailbox name "") are kept per account in
``server_metadata``, mailbox annotations in ``mailbox_metadata`` (they go with the
mailbox: RENAME keeps them, DELETE drops them). Entry names are stored in lower case
(§3.2: they are case-insensitive). An account holds at most ``max_entries`` of them in
all: a change that would pass it is refused whole (§4.3: ``[METADATA TOOMANY]``).
"""

from __future__ import annotations

from collections.abc import Mapping

from hato.store.base import MetadataTooMany, NoSuchMailbox
from hato.store.notify import account_channel
from hato.store.sql.mailboxes import owns_mailbox
from hato.store.sql.tx import Tx

__all__ = ["select_all_metadata", "select_metadata", "update_metadata"]

#: An account's server annotations, and its mailboxes' (``m``), by account id.
_SERVER = "FROM server_metadata WHERE account_id = ?"
_BOXES = "FROM mailbox_metadata m JOIN mailboxes x ON x.id = m.mailbox_id WHERE x.account_id = ?"


def _where(mailbox_id: int | None) -> tuple[str, str]:
    """(table, its key column) for the server's annotations (None) or a mailbox's."""
    return ("server_metadata", "account_id") if mailbox_id is None else (
        "mailbox_metadata", "mailbox_id"
    )  # fmt: skip


async def select_metadata(tx: Tx, account_id: int, mailbox_id: int | None) -> dict[str, bytes]:
    """Every annotation of the server (None) or of the account's mailbox ``mailbox_id``."""
    await _owned(tx, account_id, mailbox_id)
    table, key = _where(mailbox_id)
    rows = await tx.all(
        f"SELECT entry, value FROM {table} WHERE {key} = ?",
        (account_id if mailbox_id is None else mailbox_id,),
    )
    return {str(entry): bytes(value) for entry, value in rows}


async def select_all_metadata(tx: Tx, account_id: int) -> dict[tuple[int | None, str], bytes]:
    """Every annotation of the account, the server's (None) and its mailboxes' (at most
    ``max_entries`` in all): what IMAP NOTIFY compares (RFC 5465 §5.6, §5.7)."""
    server = await tx.all(f"SELECT entry, value {_SERVER}", (account_id,))
    boxes = await tx.all(f"SELECT m.mailbox_id, m.entry, m.value {_BOXES}", (account_id,))
    found: dict[tuple[int | None, str], bytes] = {
        (None, str(entry)): bytes(value) for entry, value in server
    }
    found.update(((int(box), str(entry)), bytes(value)) for box, entry, value in boxes)
    return found


async def update_metadata(
    tx: Tx,
    account_id: int,
    mailbox_id: int | None,
    changes: Mapping[str, bytes | None],
    max_entries: int,
) -> None:
    """Set (bytes) or remove (None) annotations, all or none (RFC 5464 §4.3)."""
    await _owned(tx, account_id, mailbox_id)
    table, key = _where(mailbox_id)
    owner = account_id if mailbox_id is None else mailbox_id
    tx.touch(account_channel(account_id))
    for entry, value in changes.items():
        await tx.run(f"DELETE FROM {table} WHERE {key} = ? AND entry = ?", (owner, entry))
        if value is not None:
            await tx.run(
                f"INSERT INTO {table} ({key}, entry, value) VALUES (?, ?, ?)", (owner, entry, value)
            )
    if any(value is not None for value in changes.values()):
        held = await _count(tx, account_id)
        if held > max_entries:
            raise MetadataTooMany(max_entries)  # the transaction is rolled back


async def _owned(tx: Tx, account_id: int, mailbox_id: int | None) -> None:
    if mailbox_id is not None and not await owns_mailbox(tx, account_id, mailbox_id):
        raise NoSuchMailbox(str(mailbox_id))


async def _count(tx: Tx, account_id: int) -> int:
    server = await tx.one(f"SELECT COUNT(*) {_SERVER}", (account_id,))
    boxes = await tx.one(f"SELECT COUNT(*) {_BOXES}", (account_id,))
    return int(server[0] if server else 0) + int(boxes[0] if boxes else 0)
