"""The class's members, written once for both databases: which accounts belong to the
class, with the roster's student id, name and e-mail address."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from hato.store.base import ClassMember
from hato.store.sql.accounts import delete_account
from hato.store.sql.driver import Driver
from hato.store.sql.tx import Tx

__all__ = ["SqlClassroom"]

_SELECT = (
    "SELECT c.account_id, a.name, c.student_id, c.name, c.email, c.added "
    "FROM class_members c JOIN accounts a ON a.id = c.account_id"
)


def _member(row: tuple[Any, ...]) -> ClassMember:
    account_id, account, student_id, name, email, added = row
    return ClassMember(
        int(account_id), str(account), str(student_id), str(name), str(email), int(added)
    )


async def select_members(tx: Tx) -> list[ClassMember]:
    rows = await tx.all(f"{_SELECT} ORDER BY c.student_id{tx.dialect.binary_order}")
    return [_member(row) for row in rows]


async def upsert_member(
    tx: Tx, account_id: int, student_id: str, name: str, email: str, now: int
) -> None:
    """The account joins the class, or its roster name and address change (a re-import)."""
    await tx.run(
        "INSERT INTO class_members (account_id, student_id, name, email, added) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE "
        "SET student_id = excluded.student_id, name = excluded.name, email = excluded.email",
        (account_id, student_id, name, email, now),
    )


async def delete_members(tx: Tx) -> list[str]:
    """Delete every member's account (and its mail); their names, in order."""
    members = await select_members(tx)
    for member in members:
        await delete_account(tx, member.account)
    return [member.account for member in members]


class SqlClassroom:
    """The store's classroom methods (``ClassroomStore``) over either engine."""

    _db: Driver

    async def class_members(self) -> list[ClassMember]:
        return await self._db.read(select_members)

    async def set_class_member(
        self, account_id: int, student_id: str, name: str, email: str
    ) -> None:
        await self._db.write(
            partial(
                upsert_member,
                account_id=account_id,
                student_id=student_id,
                name=name,
                email=email,
                now=int(time.time()),
            )
        )

    async def delete_class(self) -> list[str]:
        return await self._db.write(delete_members)
