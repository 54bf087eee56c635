"""The directory's own reads (hato/store/directory.py): its version, and an account as
delivery needs it. Its other reads are the store's (``alias_targets``, the account's
active script, ``assignments_at``)."""

from __future__ import annotations

from hato.store.base import QuotaLimits
from hato.store.directory import Addressee
from hato.store.sql.quota import own_limits
from hato.store.sql.tx import Tx

__all__ = ["select_addressee", "select_directory_version"]


async def select_directory_version(tx: Tx) -> int:
    """The number schema version 23's triggers move on at every change the directory keeps."""
    row = await tx.one("SELECT version FROM directory_version WHERE id = 1")
    return int(row[0]) if row else 0


async def select_addressee(tx: Tx, name: str, default: QuotaLimits) -> Addressee | None:
    row = await tx.one(
        "SELECT id, name, quota_storage, quota_messages FROM accounts WHERE name = ?", (name,)
    )
    if row is None:
        return None
    return Addressee(int(row[0]), str(row[1]), own_limits(row[2:]).over(default))
