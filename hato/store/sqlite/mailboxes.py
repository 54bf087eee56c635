"""SQL for mailboxes (SQLite). Every statement is scoped by account id."""

from __future__ import annotations

import sqlite3

from hato.store.base import INBOX, Mailbox, MailboxError, MailboxExists, NoSuchMailbox
from hato.store.sqlite.blobs import collect_garbage

#: ``subscribed`` says whether the mailbox's name is in ``subscriptions`` (schema v4).
_COLUMNS = (
    "id, name, special_use, EXISTS (SELECT 1 FROM subscriptions s "
    "WHERE s.account_id = mailboxes.account_id AND s.name = mailboxes.name), "
    "uidvalidity, uidnext, highestmodseq, messages, unseen, size, first_recent_uid"
)


def canonical_name(name: str) -> str:
    """INBOX is case-insensitive (RFC 3501 §5.1); every other name is exact."""
    return INBOX if name.upper() == INBOX else name


def _mailbox(row: tuple[object, ...]) -> Mailbox:
    ident, name, special, subscribed, validity, uidnext, modseq, count, unseen, size, recent = row
    return Mailbox(
        id=int(str(ident)),
        name=str(name),
        special_use=special if isinstance(special, str) else None,
        subscribed=bool(subscribed),
        uidvalidity=int(str(validity)),
        uidnext=int(str(uidnext)),
        highestmodseq=int(str(modseq)),
        messages=int(str(count)),
        unseen=int(str(unseen)),
        size=int(str(size)),
        first_recent_uid=int(str(recent)),
    )


def _new_uidvalidity(conn: sqlite3.Connection, account_id: int, now: int) -> int:
    """A UIDVALIDITY never used before in this account (RFC 3501 §2.3.1.1).

    Based on the clock, as Dovecot does, but strictly above every earlier one,
    so a mailbox deleted and re-created under the same name gets a new value.
    """
    row = conn.execute(
        "UPDATE accounts SET last_uidvalidity = MAX(last_uidvalidity + 1, ?) "
        "WHERE id = ? RETURNING last_uidvalidity",
        (now, account_id),
    ).fetchone()
    if row is None:
        raise MailboxError("no such account")
    return int(row[0])


def insert_mailbox(
    conn: sqlite3.Connection,
    account_id: int,
    name: str,
    special_use: str | None,
    subscribed: bool,
    now: int,
) -> Mailbox:
    name = canonical_name(name)
    if select_mailbox(conn, account_id, name) is not None:
        raise MailboxExists(name)
    validity = _new_uidvalidity(conn, account_id, now)
    if subscribed:
        subscribe(conn, account_id, name)
    row = conn.execute(
        "INSERT INTO mailboxes (account_id, name, special_use, uidvalidity) "
        f"VALUES (?, ?, ?, ?) RETURNING {_COLUMNS}",
        (account_id, name, special_use, validity),
    ).fetchone()
    return _mailbox(row)


def select_mailbox(conn: sqlite3.Connection, account_id: int, name: str) -> Mailbox | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = ? AND name = ?",
        (account_id, canonical_name(name)),
    ).fetchone()
    return _mailbox(row) if row else None


def require_mailbox(conn: sqlite3.Connection, account_id: int, name: str) -> Mailbox:
    mailbox = select_mailbox(conn, account_id, name)
    if mailbox is None:
        raise NoSuchMailbox(name)
    return mailbox


def owns_mailbox(conn: sqlite3.Connection, account_id: int, mailbox_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM mailboxes WHERE id = ? AND account_id = ?", (mailbox_id, account_id)
    ).fetchone()
    return row is not None


def select_mailboxes(conn: sqlite3.Connection, account_id: int) -> list[Mailbox]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM mailboxes WHERE account_id = ? ORDER BY name", (account_id,)
    ).fetchall()
    return [_mailbox(row) for row in rows]


def delete_mailbox(conn: sqlite3.Connection, account_id: int, name: str) -> None:
    mailbox = require_mailbox(conn, account_id, name)
    if mailbox.name == INBOX:
        raise MailboxError("INBOX cannot be deleted")
    blob_ids = [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT blob_id FROM messages WHERE mailbox_id = ?", (mailbox.id,)
        )
    ]
    conn.execute("DELETE FROM messages WHERE mailbox_id = ?", (mailbox.id,))
    conn.execute("DELETE FROM mailboxes WHERE id = ?", (mailbox.id,))
    collect_garbage(conn, blob_ids)


def rename_mailbox(conn: sqlite3.Connection, account_id: int, old: str, new: str, now: int) -> None:
    """Rename a mailbox and its children (RFC 3501 §6.3.5).

    Renaming INBOX moves its messages to the new name and leaves an empty
    INBOX (with a fresh UIDVALIDITY) behind; INBOX's children stay where they are.
    Subscriptions move with the names, as Dovecot moves them.
    """
    mailbox = require_mailbox(conn, account_id, old)
    new = canonical_name(new)
    if select_mailbox(conn, account_id, new) is not None:
        raise MailboxExists(new)
    if new == INBOX:
        raise MailboxExists(INBOX)
    conn.execute("UPDATE mailboxes SET name = ? WHERE id = ?", (new, mailbox.id))
    if mailbox.name == INBOX:
        if mailbox.subscribed:
            subscribe(conn, account_id, new)
        insert_mailbox(conn, account_id, INBOX, None, True, now)
        return
    prefix = mailbox.name + "."
    try:
        conn.execute(
            "UPDATE mailboxes SET name = ? || substr(name, ?) "
            "WHERE account_id = ? AND substr(name, 1, ?) = ?",
            (new + ".", len(prefix) + 1, account_id, len(prefix), prefix),
        )
    except sqlite3.IntegrityError as exc:
        raise MailboxExists(new) from exc
    _move_subscriptions(conn, account_id, mailbox.name, new)


def _move_subscriptions(conn: sqlite3.Connection, account_id: int, old: str, new: str) -> None:
    """``old`` and every name under it become ``new`` and the names under it."""
    prefix = old + "."
    scope = "account_id = ? AND (name = ? OR substr(name, 1, ?) = ?)"
    args = (account_id, old, len(prefix), prefix)
    conn.execute(
        "INSERT INTO subscriptions (account_id, name) "
        f"SELECT account_id, ? || substr(name, ?) FROM subscriptions WHERE {scope} "
        "ON CONFLICT DO NOTHING",
        (new, len(old) + 1, *args),
    )
    conn.execute(f"DELETE FROM subscriptions WHERE {scope}", args)


def subscribe(conn: sqlite3.Connection, account_id: int, name: str) -> None:
    conn.execute(
        "INSERT INTO subscriptions (account_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (account_id, canonical_name(name)),
    )


def set_subscribed(conn: sqlite3.Connection, account_id: int, name: str, on: bool) -> None:
    """RFC 3501 §6.3.6, §6.3.7: only an existing mailbox can be subscribed, but any
    subscribed name can be unsubscribed, its mailbox gone or not."""
    name = canonical_name(name)
    if on:
        subscribe(conn, account_id, require_mailbox(conn, account_id, name).name)
        return
    removed = conn.execute(
        "DELETE FROM subscriptions WHERE account_id = ? AND name = ?", (account_id, name)
    ).rowcount
    if not removed:
        require_mailbox(conn, account_id, name)


def select_subscriptions(conn: sqlite3.Connection, account_id: int) -> list[str]:
    """Every subscribed name, whether its mailbox exists or not."""
    rows = conn.execute(
        "SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name", (account_id,)
    ).fetchall()
    return [str(row[0]) for row in rows]
