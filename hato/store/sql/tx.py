"""The transaction protocol every store operation is written against.

An operation is ``async def op(tx: Tx, ...)``: it runs statements through
``tx`` and returns a value. The PostgreSQL driver awaits it on the event loop,
its statements going over the network. The SQLite driver runs it on its own
writer or reader thread, where every ``Tx`` method completes at once: the
coroutine never suspends, so ``complete`` runs it to its end without an event
loop. An operation therefore must not await anything but its ``tx`` (no
sleeps, no locks, no other I/O): on SQLite that would be a programming error,
and ``complete`` says so.

Statements use one placeholder style, ``?``; the PostgreSQL driver translates
it. A literal ``?`` or ``%`` must not appear in statement text (pass it as a
parameter).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol, TypeVar

from hato.store.sql.dialect import Dialect

__all__ = ["Duplicate", "Row", "StillReferenced", "Tx", "Work", "complete"]

T = TypeVar("T")
Row = tuple[Any, ...]


class Duplicate(Exception):
    """A statement would have broken a UNIQUE constraint (a name taken, a key used)."""


class StillReferenced(Exception):
    """A statement would have deleted a row that another row still refers to."""


class Tx(Protocol):
    """One open transaction: statements in, rows out; and the mailboxes it changed.

    A driver reports the two constraint failures an operation may expect as
    ``Duplicate`` and ``StillReferenced``; every other database error is the
    driver's to handle.
    """

    dialect: Dialect

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of the statement's result, or ``None``."""
        ...

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of the statement's result."""
        ...

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; return how many rows it changed."""
        ...

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute one statement once for each row of parameters."""
        ...

    def touch(self, mailbox_id: int) -> None:
        """Record that ``mailbox_id`` changed: its watchers are told after commit."""
        ...


#: What a driver's ``read`` and ``write`` run: an operation with its arguments bound.
Work = Callable[[Tx], Coroutine[Any, Any, T]]


def complete(operation: Coroutine[Any, Any, T]) -> T:
    """Run an operation whose ``Tx`` never suspends (SQLite's) to its end, here and now."""
    try:
        operation.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    operation.close()
    raise RuntimeError("a store operation awaited something other than its transaction")
