"""URLAUTH (RFC 4467 §7): the access key of each of an account's mailboxes.

A key is 32 random octets, made at the first GENURLAUTH for the mailbox and kept
in ``urlauth_keys`` until RESETKEY replaces it (then every URL made with the old
key stops working) or the mailbox is deleted (the row goes with it).
"""

from __future__ import annotations

import secrets

from hato.store.sql.mailboxes import require_owned
from hato.store.sql.tx import Tx

__all__ = ["KEY_OCTETS", "ensure_key", "replace_keys", "select_key"]

KEY_OCTETS = 32


async def select_key(tx: Tx, account_id: int, mailbox_id: int) -> bytes | None:
    """The mailbox's key; None if it has none (or is not the account's)."""
    row = await tx.one(
        "SELECT k.access_key FROM urlauth_keys k JOIN mailboxes m ON m.id = k.mailbox_id "
        "WHERE k.mailbox_id = ? AND m.account_id = ?",
        (mailbox_id, account_id),
    )
    return None if row is None else bytes(row[0])


async def ensure_key(tx: Tx, account_id: int, mailbox_id: int) -> bytes:
    """The mailbox's key, made now if it has none (two sessions at once make one)."""
    await require_owned(tx, account_id, mailbox_id)
    await tx.run(
        "INSERT INTO urlauth_keys (mailbox_id, access_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (mailbox_id, secrets.token_bytes(KEY_OCTETS)),
    )
    key = await select_key(tx, account_id, mailbox_id)
    assert key is not None
    return key


async def replace_keys(tx: Tx, account_id: int, mailbox_id: int | None) -> None:
    """RESETKEY (RFC 4467 §4.1): the mailbox's key, or every key of the account (None),
    forgotten; the next GENURLAUTH makes a new one."""
    if mailbox_id is None:
        await tx.run(
            "DELETE FROM urlauth_keys WHERE mailbox_id IN "
            "(SELECT id FROM mailboxes WHERE account_id = ?)",
            (account_id,),
        )
        return
    await require_owned(tx, account_id, mailbox_id)
    await tx.run("DELETE FROM urlauth_keys WHERE mailbox_id = ?", (mailbox_id,))
