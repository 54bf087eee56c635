"""Aliases, written once for both databases: an address (or a bare local part, for
every local domain) and its targets, in order."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from hato.store.sql.driver import LOOKUP, Driver
from hato.store.sql.tx import Tx

__all__ = ["SqlAliases"]


async def replace_alias(tx: Tx, address: str, targets: list[str]) -> None:
    await tx.run("DELETE FROM aliases WHERE address = ?", (address,))
    await tx.many(
        "INSERT INTO aliases (address, target, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [(address, target, i) for i, target in enumerate(targets)],
    )


async def delete_alias(tx: Tx, address: str) -> bool:
    return await tx.run("DELETE FROM aliases WHERE address = ?", (address,)) > 0


async def select_aliases(tx: Tx) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    rows = await tx.all(
        f"SELECT address, target FROM aliases ORDER BY address{tx.dialect.binary_order}, position"
    )
    for address, target in rows:
        table.setdefault(str(address), []).append(str(target))
    return table


async def select_targets(tx: Tx, address: str) -> list[str]:
    rows = await tx.all(
        "SELECT target FROM aliases WHERE address = ? ORDER BY position", (address,)
    )
    return [str(row[0]) for row in rows]


class SqlAliases:
    """The store's alias methods (``AliasStore``) over either engine."""

    _db: Driver

    async def set_alias(self, address: str, targets: Sequence[str]) -> None:
        await self._db.write(partial(replace_alias, address=address, targets=list(targets)))

    async def delete_alias(self, address: str) -> bool:
        return await self._db.write(partial(delete_alias, address=address))

    async def aliases(self) -> dict[str, list[str]]:
        return await self._db.read(select_aliases)

    async def alias_targets(self, address: str) -> list[str]:
        lookup = partial(select_targets, address=address)
        return await self._db.read(lookup, statement=True, size=LOOKUP)
