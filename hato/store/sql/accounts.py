"""Accounts: names and credentials (argon2id hash, SCRAM keys, APOP secret)."""

from __future__ import annotations

from typing import Any

from hato.store.base import Account, AccountExists, AccountUsage, Credentials, ScramKeys
from hato.store.sql.blobs import collect_garbage
from hato.store.sql.quota import own_limits
from hato.store.sql.tx import Duplicate, Tx

__all__ = [
    "delete_account",
    "insert_account",
    "replace_token",
    "select_account",
    "select_account_by_token",
    "select_accounts",
    "select_usage",
    "update_admin",
    "update_credentials",
]

_COLUMNS = (
    "id, name, password_hash, scram_salt, scram_iterations, scram_stored_key, "
    "scram_server_key, apop_secret, created, admin"
)
_QUALIFIED = ", ".join(f"a.{name.strip()}" for name in _COLUMNS.split(","))  # for joins


def _account(row: tuple[Any, ...]) -> Account:
    ident, name, password_hash, salt, iterations, stored, server, apop, created, admin = row
    scram = None
    if salt is not None and stored is not None and server is not None:
        scram = ScramKeys(bytes(salt), int(iterations), bytes(stored), bytes(server))
    credentials = Credentials(str(password_hash), scram, apop if isinstance(apop, str) else None)
    return Account(int(ident), str(name), credentials, int(created), bool(admin))


def _credential_values(credentials: Credentials) -> tuple[object, ...]:
    scram = credentials.scram
    return (
        credentials.password_hash,
        scram.salt if scram else None,
        scram.iterations if scram else None,
        scram.stored_key if scram else None,
        scram.server_key if scram else None,
        credentials.apop_secret,
    )


async def insert_account(tx: Tx, name: str, credentials: Credentials, now: int) -> Account:
    try:
        row = await tx.one(
            "INSERT INTO accounts (name, password_hash, scram_salt, scram_iterations, "
            "scram_stored_key, scram_server_key, apop_secret, created) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            (name, *_credential_values(credentials), now),
        )
    except Duplicate as exc:
        raise AccountExists(name) from exc
    assert row is not None
    return _account(row)


async def select_account(tx: Tx, name: str) -> Account | None:
    row = await tx.one(f"SELECT {_COLUMNS} FROM accounts WHERE name = ?", (name,))
    return _account(row) if row else None


async def select_accounts(tx: Tx) -> list[Account]:
    rows = await tx.all(f"SELECT {_COLUMNS} FROM accounts ORDER BY name{tx.dialect.binary_order}")
    return [_account(row) for row in rows]


async def select_usage(tx: Tx) -> list[AccountUsage]:
    """Every account with its messages and bytes, from the mailboxes' counters, and its
    own quota setting."""
    rows = await tx.all(
        f"SELECT {_QUALIFIED}, a.quota_storage, a.quota_messages, "
        "COALESCE(SUM(x.messages), 0), COALESCE(SUM(x.size), 0) "
        "FROM accounts a LEFT JOIN mailboxes x ON x.account_id = a.id "
        f"GROUP BY a.id ORDER BY a.name{tx.dialect.binary_order}"
    )
    return [
        AccountUsage(_account(row[:-4]), int(row[-2]), int(row[-1]), own_limits(row[-4:-2]))
        for row in rows
    ]


async def update_credentials(tx: Tx, name: str, credentials: Credentials) -> bool:
    count = await tx.run(
        "UPDATE accounts SET password_hash = ?, scram_salt = ?, scram_iterations = ?, "
        "scram_stored_key = ?, scram_server_key = ?, apop_secret = ? WHERE name = ?",
        (*_credential_values(credentials), name),
    )
    return count == 1


async def update_admin(tx: Tx, name: str, admin: bool) -> bool:
    return await tx.run("UPDATE accounts SET admin = ? WHERE name = ?", (int(admin), name)) == 1


async def replace_token(tx: Tx, name: str, token_sha256: bytes, now: int) -> bool:
    """The account's one API token becomes this one (the old one stops working)."""
    row = await tx.one("SELECT id FROM accounts WHERE name = ?", (name,))
    if row is None:
        return False
    await tx.run("DELETE FROM api_tokens WHERE account_id = ?", (row[0],))
    await tx.run(
        "INSERT INTO api_tokens (account_id, token_sha256, created) VALUES (?, ?, ?)",
        (row[0], token_sha256, now),
    )
    return True


async def select_account_by_token(tx: Tx, token_sha256: bytes) -> Account | None:
    row = await tx.one(
        f"SELECT {_QUALIFIED} FROM accounts a JOIN api_tokens t ON t.account_id = a.id "
        "WHERE t.token_sha256 = ?",
        (token_sha256,),
    )
    return _account(row) if row else None


async def delete_account(tx: Tx, name: str) -> bool:
    rows = await tx.all(
        "SELECT DISTINCT m.blob_id FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
        "JOIN accounts a ON a.id = x.account_id WHERE a.name = ?",
        (name,),
    )
    deleted = await tx.run("DELETE FROM accounts WHERE name = ?", (name,)) == 1
    await collect_garbage(tx, [row[0] for row in rows])
    return deleted
