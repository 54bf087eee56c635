"""SQL for accounts (SQLite)."""

from __future__ import annotations

import sqlite3

from hato.store.base import Account, AccountExists, Credentials, ScramKeys
from hato.store.sqlite.blobs import collect_garbage

_COLUMNS = (
    "id, name, password_hash, scram_salt, scram_iterations, scram_stored_key, "
    "scram_server_key, apop_secret, created"
)


def _account(row: tuple[object, ...]) -> Account:
    ident, name, password_hash, salt, iterations, stored, server, apop, created = row
    scram = None
    if isinstance(salt, bytes) and isinstance(stored, bytes) and isinstance(server, bytes):
        scram = ScramKeys(salt, int(str(iterations)), stored, server)
    credentials = Credentials(str(password_hash), scram, apop if isinstance(apop, str) else None)
    return Account(int(str(ident)), str(name), credentials, int(str(created)))


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


def insert_account(
    conn: sqlite3.Connection, name: str, credentials: Credentials, now: int
) -> Account:
    try:
        row = conn.execute(
            "INSERT INTO accounts (name, password_hash, scram_salt, scram_iterations, "
            "scram_stored_key, scram_server_key, apop_secret, created) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            (name, *_credential_values(credentials), now),
        ).fetchone()
    except sqlite3.IntegrityError as exc:
        raise AccountExists(name) from exc
    return _account(row)


def select_account(conn: sqlite3.Connection, name: str) -> Account | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE name = ?", (name,)).fetchone()
    return _account(row) if row else None


def select_accounts(conn: sqlite3.Connection) -> list[Account]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM accounts ORDER BY name").fetchall()
    return [_account(row) for row in rows]


def update_credentials(conn: sqlite3.Connection, name: str, credentials: Credentials) -> bool:
    cursor = conn.execute(
        "UPDATE accounts SET password_hash = ?, scram_salt = ?, scram_iterations = ?, "
        "scram_stored_key = ?, scram_server_key = ?, apop_secret = ? WHERE name = ?",
        (*_credential_values(credentials), name),
    )
    return cursor.rowcount == 1


def delete_account(conn: sqlite3.Connection, name: str) -> bool:
    blob_ids = [
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT m.blob_id FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
            "JOIN accounts a ON a.id = x.account_id WHERE a.name = ?",
            (name,),
        )
    ]
    deleted = conn.execute("DELETE FROM accounts WHERE name = ?", (name,)).rowcount == 1
    collect_garbage(conn, blob_ids)
    return deleted
