"""SQL for mailboxes (SQLite). Every statement is scoped by account id."""

from __future__ import annotations

import sqlite3

from hato.store.base import INBOX, Mailbox, MailboxError, MailboxExists, NoSuchMailbox
from hato.store.sqlite.blobs import collect_garbage

_COLUMNS = (
    "id, name, special_use, subscribed, uidvalidity, uidnext, highestmodseq, "
    "messages, unseen, size, first_recent_uid"
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
    row = conn.execute(
        "INSERT INTO mailboxes (account_id, name, special_use, subscribed, uidvalidity) "
        f"VALUES (?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
        (account_id, name, special_use, int(subscribed), validity),
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
    """
    mailbox = require_mailbox(conn, account_id, old)
    new = canonical_name(new)
    if select_mailbox(conn, account_id, new) is not None:
        raise MailboxExists(new)
    if new == INBOX:
        raise MailboxExists(INBOX)
    conn.execute("UPDATE mailboxes SET name = ? WHERE id = ?", (new, mailbox.id))
    if mailbox.name == INBOX:
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


def set_subscribed(conn: sqlite3.Connection, account_id: int, name: str, on: bool) -> None:
    mailbox = require_mailbox(conn, account_id, name)
    conn.execute("UPDATE mailboxes SET subscribed = ? WHERE id = ?", (int(on), mailbox.id))
