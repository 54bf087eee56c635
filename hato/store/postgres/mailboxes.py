"""SQL for mailboxes (PostgreSQL). Every statement is scoped by account id."""

from __future__ import annotations

from typing import Any

from psycopg import errors

from hato.store.base import INBOX, Mailbox, MailboxError, MailboxExists, NoSuchMailbox
from hato.store.postgres.blobs import collect_garbage
from hato.store.postgres.engine import Tx

_COLUMNS = (
    "id, name, special_use, subscribed, uidvalidity, uidnext, highestmodseq, "
    "messages, unseen, size, first_recent_uid"
)


def canonical_name(name: str) -> str:
    """INBOX is case-insensitive (RFC 3501 §5.1); every other name is exact."""
    return INBOX if name.upper() == INBOX else name


def _mailbox(row: tuple[Any, ...]) -> Mailbox:
    ident, name, special, subscribed, validity, uidnext, modseq, count, unseen, size, recent = row
    return Mailbox(
        ident, name, special, bool(subscribed), validity, uidnext, modseq, count, unseen, size,
        recent,
    )  # fmt: skip


async def _new_uidvalidity(tx: Tx, account_id: int, now: int) -> int:
    """A UIDVALIDITY never used before in this account (RFC 3501 §2.3.1.1)."""
    row = await tx.one(
        "UPDATE accounts SET last_uidvalidity = GREATEST(last_uidvalidity + 1, %s) "
        "WHERE id = %s RETURNING last_uidvalidity",
        (now, account_id),
    )
    if row is None:
        raise MailboxError("no such account")
    return int(row[0])


async def insert_mailbox(
    tx: Tx, account_id: int, name: str, special_use: str | None, subscribed: bool, now: int
) -> Mailbox:
    name = canonical_name(name)
    validity = await _new_uidvalidity(tx, account_id, now)  # also serializes the account
    if await select_mailbox(tx, account_id, name) is not None:
        raise MailboxExists(name)
    row = await tx.one(
        "INSERT INTO mailboxes (account_id, name, special_use, subscribed, uidvalidity) "
        f"VALUES (%s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (account_id, name, special_use, int(subscribed), validity),
    )
    assert row is not None
    return _mailbox(row)


async def select_mailbox(tx: Tx, account_id: int, name: str) -> Mailbox | None:
    row = await tx.one(
        f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = %s AND name = %s",
        (account_id, canonical_name(name)),
    )
    return _mailbox(row) if row else None


async def require_mailbox(tx: Tx, account_id: int, name: str) -> Mailbox:
    mailbox = await select_mailbox(tx, account_id, name)
    if mailbox is None:
        raise NoSuchMailbox(name)
    return mailbox


async def owns_mailbox(tx: Tx, account_id: int, mailbox_id: int) -> bool:
    row = await tx.one(
        "SELECT 1 FROM mailboxes WHERE id = %s AND account_id = %s", (mailbox_id, account_id)
    )
    return row is not None


async def lock_mailbox(tx: Tx, account_id: int, mailbox_id: int) -> None:
    """Take the mailbox's row lock: writers to one mailbox go one at a time."""
    row = await tx.one(
        "SELECT 1 FROM mailboxes WHERE id = %s AND account_id = %s FOR UPDATE",
        (mailbox_id, account_id),
    )
    if row is None:
        raise NoSuchMailbox(str(mailbox_id))


async def select_mailboxes(tx: Tx, account_id: int) -> list[Mailbox]:
    rows = await tx.all(
        f'SELECT {_COLUMNS} FROM mailboxes WHERE account_id = %s ORDER BY name COLLATE "C"',
        (account_id,),
    )
    return [_mailbox(row) for row in rows]


async def delete_mailbox(tx: Tx, account_id: int, name: str) -> None:
    mailbox = await require_mailbox(tx, account_id, name)
    if mailbox.name == INBOX:
        raise MailboxError("INBOX cannot be deleted")
    await lock_mailbox(tx, account_id, mailbox.id)
    rows = await tx.all(
        "DELETE FROM messages WHERE mailbox_id = %s RETURNING blob_id", (mailbox.id,)
    )
    await tx.run("DELETE FROM mailboxes WHERE id = %s", (mailbox.id,))
    tx.touch(mailbox.id)
    await collect_garbage(tx, [row[0] for row in rows])


async def rename_mailbox(tx: Tx, account_id: int, old: str, new: str, now: int) -> None:
    """Rename a mailbox and its children (RFC 3501 §6.3.5).

    Renaming INBOX moves its messages to the new name and leaves an empty
    INBOX (with a fresh UIDVALIDITY) behind; INBOX's children stay where they are.
    """
    mailbox = await require_mailbox(tx, account_id, old)
    new = canonical_name(new)
    if new == INBOX or await select_mailbox(tx, account_id, new) is not None:
        raise MailboxExists(new)
    try:
        await tx.run("UPDATE mailboxes SET name = %s WHERE id = %s", (new, mailbox.id))
        if mailbox.name == INBOX:
            await insert_mailbox(tx, account_id, INBOX, None, True, now)
            return
        prefix = mailbox.name + "."
        await tx.run(
            "UPDATE mailboxes SET name = %s || substr(name, %s) "
            "WHERE account_id = %s AND substr(name, 1, %s) = %s",
            (new + ".", len(prefix) + 1, account_id, len(prefix), prefix),
        )
    except errors.UniqueViolation as exc:
        raise MailboxExists(new) from exc


async def set_subscribed(tx: Tx, account_id: int, name: str, on: bool) -> None:
    mailbox = await require_mailbox(tx, account_id, name)
    await tx.run("UPDATE mailboxes SET subscribed = %s WHERE id = %s", (int(on), mailbox.id))
