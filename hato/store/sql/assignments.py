"""Assignments and their submissions, written once for both databases."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from hato.store.base import Assignment, Submission
from hato.store.sql.driver import LOOKUP, Driver
from hato.store.sql.tx import Duplicate, Tx

__all__ = ["SqlAssignments"]

_ASSIGNMENT = "SELECT id, address, title, due, reply FROM assignments"
_SUBMISSION = (
    "SELECT s.id, s.assignment_id, s.account_id, a.name, s.received, s.subject, s.findings "
    "FROM submissions s JOIN accounts a ON a.id = s.account_id"
)


def _assignment(row: tuple[Any, ...]) -> Assignment:
    ident, address, title, due, reply = row
    return Assignment(int(ident), str(address), str(title), int(due), str(reply))


def _submission(row: tuple[Any, ...]) -> Submission:
    ident, assignment_id, account_id, account, received, subject, findings = row
    return Submission(
        int(ident), int(assignment_id), int(account_id), str(account), int(received),
        str(subject), str(findings),
    )  # fmt: skip


async def insert_assignment(
    tx: Tx, address: str, title: str, due: int, reply: str
) -> Assignment | None:
    try:
        row = await tx.one(
            "INSERT INTO assignments (address, title, due, reply) VALUES (?, ?, ?, ?) "
            "RETURNING id, address, title, due, reply",
            (address, title, due, reply),
        )
    except Duplicate:
        return None
    return _assignment(row) if row else None


async def delete_assignment(tx: Tx, assignment_id: int) -> bool:
    return await tx.run("DELETE FROM assignments WHERE id = ?", (assignment_id,)) > 0


async def select_assignments(tx: Tx) -> list[Assignment]:
    return [_assignment(row) for row in await tx.all(f"{_ASSIGNMENT} ORDER BY due, id")]


async def select_assignments_at(tx: Tx, addresses: Sequence[str]) -> list[Assignment]:
    marks = ", ".join("?" for _ in addresses)
    rows = await tx.all(f"{_ASSIGNMENT} WHERE address IN ({marks}) ORDER BY id", addresses)
    return [_assignment(row) for row in rows]


async def insert_submission(
    tx: Tx, assignment_id: int, account_id: int, received: int, subject: str, findings: str,
    content: bytes,
) -> int:  # fmt: skip
    row = await tx.one(
        "INSERT INTO submissions (assignment_id, account_id, received, subject, findings, "
        "content) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (assignment_id, account_id, received, subject, findings, content),
    )
    assert row is not None
    return int(row[0])


async def select_submissions(tx: Tx) -> list[Submission]:
    return [_submission(row) for row in await tx.all(f"{_SUBMISSION} ORDER BY s.id")]


async def select_content(tx: Tx, submission_id: int) -> bytes | None:
    row = await tx.one("SELECT content FROM submissions WHERE id = ?", (submission_id,))
    return bytes(row[0]) if row else None


class SqlAssignments:
    """The store's assignment methods (``AssignmentStore``) over either engine."""

    _db: Driver

    async def add_assignment(
        self, address: str, title: str, due: int, reply: str
    ) -> Assignment | None:
        return await self._db.write(
            partial(insert_assignment, address=address, title=title, due=due, reply=reply)
        )

    async def delete_assignment(self, assignment_id: int) -> bool:
        return await self._db.write(partial(delete_assignment, assignment_id=assignment_id))

    async def assignments(self) -> list[Assignment]:
        return await self._db.read(select_assignments)

    async def assignments_at(self, addresses: Sequence[str]) -> list[Assignment]:
        if not addresses:
            return []
        # Asked for every delivered message: a lookup, answered without a thread hop.
        work = partial(select_assignments_at, addresses=list(addresses))
        return await self._db.read(work, statement=True, size=LOOKUP)

    async def add_submission(
        self, assignment_id: int, account_id: int, received: int, subject: str,
        findings: str, content: bytes,
    ) -> int:  # fmt: skip
        work = partial(
            insert_submission, assignment_id=assignment_id, account_id=account_id,
            received=received, subject=subject, findings=findings, content=content,
        )  # fmt: skip
        return await self._db.write(work)

    async def submissions(self) -> list[Submission]:
        return await self._db.read(select_submissions)

    async def submission_content(self, submission_id: int) -> bytes | None:
        return await self._db.read(partial(select_content, submission_id=submission_id))
