"""Sieve scripts and the vacation record, written once for both databases.

Each operation is scoped to one account id; ``SqlSieveScripts`` binds that id
and runs the operations through a driver's read and write transactions.
"""

from __future__ import annotations

import builtins
from functools import partial

from hato.store.scripts import (
    NoSuchScript,
    ScriptActive,
    ScriptExists,
    ScriptInfo,
    ScriptQuota,
    ScriptQuotaExceeded,
    check_script_name,
)
from hato.store.sql.driver import LOOKUP, Driver
from hato.store.sql.tx import Duplicate, Tx

__all__ = ["SqlSieveScripts"]


async def select_scripts(tx: Tx, account_id: int) -> list[ScriptInfo]:
    rows = await tx.all(
        "SELECT name, active FROM sieve_scripts WHERE account_id = ? "
        f"ORDER BY name{tx.dialect.binary_order}",
        (account_id,),
    )
    return [ScriptInfo(str(name), bool(active)) for name, active in rows]


async def select_script(tx: Tx, account_id: int, name: str) -> str | None:
    row = await tx.one(
        "SELECT content FROM sieve_scripts WHERE account_id = ? AND name = ?", (account_id, name)
    )
    return str(row[0]) if row else None


async def select_texts(tx: Tx, account_id: int) -> dict[str, str]:
    rows = await tx.all(
        "SELECT name, content FROM sieve_scripts WHERE account_id = ?", (account_id,)
    )
    return {str(name): str(content) for name, content in rows}


async def select_active(tx: Tx, account_id: int) -> tuple[str, str] | None:
    row = await tx.one(
        "SELECT name, content FROM sieve_scripts WHERE account_id = ? AND active <> 0",
        (account_id,),
    )
    return (str(row[0]), str(row[1])) if row else None


async def upsert_script(tx: Tx, account_id: int, name: str, text: str, quota: ScriptQuota) -> None:
    """Create or replace; the count is checked in the same transaction as the insert."""
    check_script_name(name)
    if len(text.encode()) > quota.max_script_size:
        raise ScriptQuotaExceeded(f"a script has at most {quota.max_script_size} bytes")
    updated = await tx.run(
        "UPDATE sieve_scripts SET content = ? WHERE account_id = ? AND name = ?",
        (text, account_id, name),
    )
    if updated:
        return
    # Held against concurrent puts on PostgreSQL: the account row is the account's lock.
    await tx.one(f"SELECT id FROM accounts WHERE id = ?{tx.dialect.for_update}", (account_id,))
    row = await tx.one("SELECT COUNT(*) FROM sieve_scripts WHERE account_id = ?", (account_id,))
    if row is not None and int(row[0]) >= quota.max_scripts:
        raise ScriptQuotaExceeded(f"an account has at most {quota.max_scripts} scripts")
    await tx.run(
        "INSERT INTO sieve_scripts (account_id, name, content, active) VALUES (?, ?, ?, 0)",
        (account_id, name, text),
    )


async def delete_script(tx: Tx, account_id: int, name: str) -> None:
    row = await tx.one(
        "SELECT active FROM sieve_scripts WHERE account_id = ? AND name = ?", (account_id, name)
    )
    if row is None:
        raise NoSuchScript(name)
    if row[0]:
        raise ScriptActive(name)
    await tx.run("DELETE FROM sieve_scripts WHERE account_id = ? AND name = ?", (account_id, name))


async def rename_script(tx: Tx, account_id: int, old: str, new: str) -> None:
    check_script_name(new)
    try:
        count = await tx.run(
            "UPDATE sieve_scripts SET name = ? WHERE account_id = ? AND name = ?",
            (new, account_id, old),
        )
    except Duplicate as exc:
        raise ScriptExists(new) from exc
    if not count:
        raise NoSuchScript(old)


async def activate_script(tx: Tx, account_id: int, name: str | None) -> None:
    """RFC 5804 §2.8: one active script; the empty name (None here) deactivates all."""
    if name is not None and await select_script(tx, account_id, name) is None:
        raise NoSuchScript(name)
    await tx.run(
        "UPDATE sieve_scripts SET active = 0 WHERE account_id = ? AND active <> 0", (account_id,)
    )
    if name is not None:
        await tx.run(
            "UPDATE sieve_scripts SET active = 1 WHERE account_id = ? AND name = ?",
            (account_id, name),
        )


async def select_replies(tx: Tx, account_id: int, sender: str) -> dict[str, int]:
    rows = await tx.all(
        "SELECT handle, replied FROM sieve_vacation WHERE account_id = ? AND sender = ?",
        (account_id, sender),
    )
    return {str(handle): int(replied) for handle, replied in rows}


async def upsert_reply(
    tx: Tx, account_id: int, handle: str, sender: str, now: int, keep: int
) -> None:
    """Record a reply; rows older than ``keep`` seconds go, so a storm of senders is bounded
    by the senders of one period (RFC 5230 §4.1 lets the site cap the period)."""
    await tx.run(
        "DELETE FROM sieve_vacation WHERE account_id = ? AND (replied < ? OR "
        "(handle = ? AND sender = ?))",
        (account_id, now - keep, handle, sender),
    )
    await tx.run(
        "INSERT INTO sieve_vacation (account_id, handle, sender, replied) VALUES (?, ?, ?, ?)",
        (account_id, handle, sender, now),
    )


class SqlSieveScripts:
    """``SieveScripts`` for one account over either engine."""

    def __init__(self, db: Driver, account_id: int) -> None:
        self._db = db
        self.account_id = account_id

    async def list(self) -> builtins.list[ScriptInfo]:
        return await self._db.read(partial(select_scripts, account_id=self.account_id))

    async def get(self, name: str) -> str | None:
        return await self._db.read(partial(select_script, account_id=self.account_id, name=name))

    async def put(self, name: str, text: str, quota: ScriptQuota) -> None:
        await self._db.write(
            partial(upsert_script, account_id=self.account_id, name=name, text=text, quota=quota)
        )

    async def delete(self, name: str) -> None:
        await self._db.write(partial(delete_script, account_id=self.account_id, name=name))

    async def rename(self, old: str, new: str) -> None:
        await self._db.write(partial(rename_script, account_id=self.account_id, old=old, new=new))

    async def activate(self, name: str | None) -> None:
        await self._db.write(partial(activate_script, account_id=self.account_id, name=name))

    async def active(self) -> tuple[str, str] | None:
        lookup = partial(select_active, account_id=self.account_id)
        return await self._db.read(lookup, statement=True, size=LOOKUP)

    async def texts(self) -> dict[str, str]:
        return await self._db.read(partial(select_texts, account_id=self.account_id))

    async def replies_to(self, sender: str) -> dict[str, int]:
        return await self._db.read(
            partial(select_replies, account_id=self.account_id, sender=sender)
        )

    async def record_reply(self, handle: str, sender: str, now: int, keep: int) -> None:
        await self._db.write(
            partial(
                upsert_reply,
                account_id=self.account_id,
                handle=handle,
                sender=sender,
                now=now,
                keep=keep,
            )
        )
