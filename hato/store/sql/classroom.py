"""The class, written once for both databases: which accounts belong to it (with the
roster's student id, name and e-mail address), and the lab's record: its students'
closed sessions with their transcripts, and the checklist's steps each has done."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

from hato.store.base import ClassMember, LabSession
from hato.store.sql.accounts import delete_account
from hato.store.sql.driver import Driver
from hato.store.sql.tx import Tx

__all__ = ["SqlClassroom"]

_SELECT = (
    "SELECT c.account_id, a.name, c.student_id, c.name, c.email, c.added, c.lab_since "
    "FROM class_members c JOIN accounts a ON a.id = c.account_id"
)


def _member(row: tuple[Any, ...]) -> ClassMember:
    account_id, account, student_id, name, email, added, lab_since = row
    return ClassMember(
        int(account_id), str(account), str(student_id), str(name), str(email), int(added),
        int(lab_since) / 1000,
    )  # fmt: skip


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


def _ms(seconds: float) -> int:
    """Milliseconds, cut (not rounded): a time kept shows, to the second, what it showed
    live (16.9996 s is kept as 16.999 s, not 17.000 s, which shows a second later)."""
    return math.floor(seconds * 1000)


async def delete_lab_record(tx: Tx, account_ids: list[int], now: float) -> None:
    """Forget the members' checklists and transcripts, and note when (``lab_since``)."""
    for account_id in account_ids:
        await tx.run("DELETE FROM lab_steps WHERE account_id = ?", (account_id,))
        await tx.run("DELETE FROM lab_sessions WHERE account_id = ?", (account_id,))
        await tx.run(
            "UPDATE class_members SET lab_since = ? WHERE account_id = ?",
            (_ms(now), account_id),
        )


async def insert_lab_session(tx: Tx, session: LabSession) -> None:
    """Keep a closed session of a member (nothing if the account is gone meanwhile)."""
    lines = json.dumps(
        [[direction, text, _ms(at)] for direction, text, at in session.lines], ensure_ascii=False
    )
    await tx.run(
        "INSERT INTO lab_sessions (account_id, label, service, peer, tls, opened, closed, lines) "
        "SELECT id, ?, ?, ?, ?, ?, ?, ? FROM accounts WHERE name = ?",
        (
            session.label, session.service, session.peer, int(session.tls),
            _ms(session.opened), _ms(session.closed), lines, session.account,
        ),
    )  # fmt: skip


async def select_lab_sessions(tx: Tx, since: float) -> list[LabSession]:
    rows = await tx.all(
        "SELECT a.name, s.label, s.service, s.peer, s.tls, s.opened, s.closed, s.lines "
        "FROM lab_sessions s JOIN accounts a ON a.id = s.account_id "
        "WHERE s.closed >= ? ORDER BY s.closed, s.id",
        (_ms(since),),
    )
    return [
        LabSession(
            str(account), str(label), str(service), str(peer), bool(tls),
            int(opened) / 1000, int(closed) / 1000,
            tuple((str(d), str(t), int(at) / 1000) for d, t, at in json.loads(lines)),
        )
        for account, label, service, peer, tls, opened, closed, lines in rows
    ]  # fmt: skip


async def delete_lab_sessions(tx: Tx, before: float) -> int:
    return await tx.run("DELETE FROM lab_sessions WHERE closed < ?", (_ms(before),))


async def upsert_lab_steps(tx: Tx, account: str, steps: Mapping[str, float]) -> None:
    """Each step's first time: a later completion leaves an earlier one as it is."""
    for step, at in steps.items():
        await tx.run(
            "INSERT INTO lab_steps (account_id, step, done) SELECT id, ?, ? FROM accounts "
            "WHERE name = ? ON CONFLICT (account_id, step) DO UPDATE "
            "SET done = CASE WHEN excluded.done < lab_steps.done "
            "THEN excluded.done ELSE lab_steps.done END",
            (step, _ms(at), account),
        )


async def select_lab_steps(tx: Tx) -> dict[str, dict[str, float]]:
    rows = await tx.all(
        "SELECT a.name, s.step, s.done FROM lab_steps s JOIN accounts a ON a.id = s.account_id"
    )
    found: dict[str, dict[str, float]] = {}
    for account, step, done in rows:
        found.setdefault(str(account), {})[str(step)] = int(done) / 1000
    return found


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

    async def save_lab_session(self, session: LabSession) -> None:
        await self._db.write(partial(insert_lab_session, session=session))

    async def lab_sessions(self, since: float) -> list[LabSession]:
        return await self._db.read(partial(select_lab_sessions, since=since))

    async def prune_lab_sessions(self, before: float) -> int:
        return await self._db.write(partial(delete_lab_sessions, before=before))

    async def save_lab_steps(self, account: str, steps: Mapping[str, float]) -> None:
        await self._db.write(partial(upsert_lab_steps, account=account, steps=dict(steps)))

    async def lab_steps(self) -> dict[str, dict[str, float]]:
        return await self._db.read(select_lab_steps)

    async def begin_lab_anew(self, account_ids: list[int], now: float) -> None:
        await self._db.write(partial(delete_lab_record, account_ids=account_ids, now=now))
