"""Mailboxes and subscriptions. Every statement is scoped by account id."""

from __future__ import annotations

from typing import Any

from hato.store.base import INBOX, Mailbox, MailboxError, MailboxExists, NoSuchMailbox
from hato.store.notify import account_channel
from hato.store.sql.blobs import collect_garbage
from hato.store.sql.tx import Duplicate, Tx

#: ``subscribed`` says whether the mailbox's name is in ``subscriptions`` (schema v4).
_COLUMNS = (
    "id, name, special_use, EXISTS (SELECT 1 FROM subscriptions s "
    "WHERE s.account_id = mailboxes.account_id AND s.name = mailboxes.name), "
    "uidvalidity, uidnext, highestmodseq, messages, unseen, size, first_recent_uid"
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
    """A UIDVALIDITY never used before in this account (RFC 3501 §2.3.1.1).

    Based on the clock, as Dovecot does, but strictly above every earlier one,
    so a mailbox deleted and re-created under the same name gets a new value.
    """
    row = await tx.one(
        f"UPDATE accounts SET last_uidvalidity = {tx.dialect.greatest}(last_uidvalidity + 1, ?) "
        "WHERE id = ? RETURNING last_uidvalidity",
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
    if subscribed:
        await subscribe(tx, account_id, name)
    row = await tx.one(
        "INSERT INTO mailboxes (account_id, name, special_use, uidvalidity) "
        f"VALUES (?, ?, ?, ?) RETURNING {_COLUMNS}",
        (account_id, name, special_use, validity),
    )
    assert row is not None
    tx.touch(account_channel(account_id))
    return _mailbox(row)


async def select_mailbox(tx: Tx, account_id: int, name: str) -> Mailbox | None:
    row = await tx.one(
        f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = ? AND name = ?",
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
        "SELECT 1 FROM mailboxes WHERE id = ? AND account_id = ?", (mailbox_id, account_id)
    )
    return row is not None


async def require_owned(tx: Tx, account_id: int, mailbox_id: int) -> None:
    """Raise NoSuchMailbox unless ``mailbox_id`` is the account's."""
    if not await owns_mailbox(tx, account_id, mailbox_id):
        raise NoSuchMailbox(str(mailbox_id))


async def lock_mailbox(tx: Tx, account_id: int, mailbox_id: int) -> None:
    """Take the mailbox's row lock: writers to one mailbox go one at a time."""
    row = await tx.one(
        f"SELECT 1 FROM mailboxes WHERE id = ? AND account_id = ?{tx.dialect.for_update}",
        (mailbox_id, account_id),
    )
    if row is None:
        raise NoSuchMailbox(str(mailbox_id))


async def select_mailboxes(tx: Tx, account_id: int) -> list[Mailbox]:
    rows = await tx.all(
        f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = ? ORDER BY name"
        f"{tx.dialect.binary_order}",
        (account_id,),
    )
    return [_mailbox(row) for row in rows]


async def delete_mailbox(tx: Tx, account_id: int, name: str) -> None:
    mailbox = await require_mailbox(tx, account_id, name)
    if mailbox.name == INBOX:
        raise MailboxError("INBOX cannot be deleted")
    await lock_mailbox(tx, account_id, mailbox.id)
    rows = await tx.all(
        "DELETE FROM messages WHERE mailbox_id = ? RETURNING blob_id", (mailbox.id,)
    )
    await tx.run("DELETE FROM mailboxes WHERE id = ?", (mailbox.id,))
    tx.touch(mailbox.id)
    tx.touch(account_channel(account_id))
    await collect_garbage(tx, [row[0] for row in rows])


async def rename_mailbox(tx: Tx, account_id: int, old: str, new: str, now: int) -> None:
    """Rename a mailbox and its children (RFC 3501 §6.3.5).

    Renaming INBOX moves its messages to the new name and leaves an empty
    INBOX (with a fresh UIDVALIDITY) behind; INBOX's children stay where they are.
    Subscriptions move with the names, as Dovecot moves them.
    """
    mailbox = await require_mailbox(tx, account_id, old)
    tx.touch(account_channel(account_id))
    new = canonical_name(new)
    if new == INBOX or await select_mailbox(tx, account_id, new) is not None:
        raise MailboxExists(new)
    try:
        await tx.run("UPDATE mailboxes SET name = ? WHERE id = ?", (new, mailbox.id))
        if mailbox.name == INBOX:
            if mailbox.subscribed:
                await subscribe(tx, account_id, new)
            await insert_mailbox(tx, account_id, INBOX, None, True, now)
            return
        prefix = mailbox.name + "."
        await tx.run(
            "UPDATE mailboxes SET name = ? || substr(name, ?) "
            "WHERE account_id = ? AND substr(name, 1, ?) = ?",
            (new + ".", len(prefix) + 1, account_id, len(prefix), prefix),
        )
    except Duplicate as exc:
        raise MailboxExists(new) from exc
    await _move_subscriptions(tx, account_id, mailbox.name, new)


async def _move_subscriptions(tx: Tx, account_id: int, old: str, new: str) -> None:
    """``old`` and every name under it become ``new`` and the names under it."""
    prefix = old + "."
    scope = "account_id = ? AND (name = ? OR substr(name, 1, ?) = ?)"
    args = (account_id, old, len(prefix), prefix)
    await tx.run(
        "INSERT INTO subscriptions (account_id, name) "
        f"SELECT account_id, ? || substr(name, ?) FROM subscriptions WHERE {scope} "
        "ON CONFLICT DO NOTHING",
        (new, len(old) + 1, *args),
    )
    await tx.run(f"DELETE FROM subscriptions WHERE {scope}", args)


async def subscribe(tx: Tx, account_id: int, name: str) -> None:
    tx.touch(account_channel(account_id))
    await tx.run(
        "INSERT INTO subscriptions (account_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (account_id, canonical_name(name)),
    )


async def set_subscribed(tx: Tx, account_id: int, name: str, on: bool) -> None:
    """RFC 3501 §6.3.6, §6.3.7: only an existing mailbox can be subscribed, but any
    subscribed name can be unsubscribed, its mailbox gone or not."""
    name = canonical_name(name)
    if on:
        await subscribe(tx, account_id, (await require_mailbox(tx, account_id, name)).name)
        return
    tx.touch(account_channel(account_id))
    removed = await tx.run(
        "DELETE FROM subscriptions WHERE account_id = ? AND name = ?", (account_id, name)
    )
    if not removed:
        await require_mailbox(tx, account_id, name)


async def select_subscriptions(tx: Tx, account_id: int) -> list[str]:
    """Every subscribed name, whether its mailbox exists or not."""
    rows = await tx.all(
        "SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name"
        f"{tx.dialect.binary_order}",
        (account_id,),
    )
    return [str(row[0]) for row in rows]
