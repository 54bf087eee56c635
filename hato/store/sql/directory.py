"""The directory's reads (hato/store/directory.py): its version, and each lookup, unkept.

Each is one small indexed statement, run where lookups run (the calling thread on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TypeVar

from hato.store.base import Assignment, QuotaLimits
from hato.store.directory import Addressee
from hato.store.sql.aliases import select_targets
from hato.store.sql.assignments import select_assignments_at
from hato.store.sql.driver import LOOKUP, Driver
from hato.store.sql.quota import own_limits
from hato.store.sql.sieve import select_active
from hato.store.sql.tx import Tx, Work

__all__ = ["SqlDirectoryReads", "select_directory_version"]

T = TypeVar("T")


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


class SqlDirectoryReads:
    """``DirectoryReads`` over a driver; ``default``: the configured quota."""

    def __init__(self, db: Driver, default: QuotaLimits) -> None:
        self._db = db
        self._default = default

    async def version(self) -> int:
        return await self._lookup(select_directory_version)

    async def alias_targets(self, address: str) -> list[str]:
        return await self._lookup(partial(select_targets, address=address))

    async def addressee(self, name: str) -> Addressee | None:
        return await self._lookup(partial(select_addressee, name=name, default=self._default))

    async def active_script(self, account_id: int) -> tuple[str, str] | None:
        return await self._lookup(partial(select_active, account_id=account_id))

    async def assignments_at(self, addresses: Sequence[str]) -> list[Assignment]:
        return await self._lookup(partial(select_assignments_at, addresses=list(addresses)))

    async def _lookup(self, work: Work[T]) -> T:
        return await self._db.read(work, statement=True, size=LOOKUP)
