"""Mailbox lookups for the SQLite modules not yet written once (see hato/store/sql)."""

from __future__ import annotations

import sqlite3

from hato.store.base import Mailbox
from hato.store.sql import mailboxes
from hato.store.sql.tx import complete
from hato.store.sqlite.engine import SqliteTx


def require_mailbox(conn: sqlite3.Connection, account_id: int, name: str) -> Mailbox:
    return complete(mailboxes.require_mailbox(SqliteTx(conn), account_id, name))


def owns_mailbox(conn: sqlite3.Connection, account_id: int, mailbox_id: int) -> bool:
    return complete(mailboxes.owns_mailbox(SqliteTx(conn), account_id, mailbox_id))
