"""What a store engine offers the operations written once: a read and a write transaction.

The SQLite engine and the PostgreSQL engine are the two drivers. Each runs an
operation (``Work``: a coroutine function of a ``Tx``, tx.py) in a transaction
of its own making and returns its result once the transaction has committed
(a write, durably: the durability invariant, docs/architecture.md).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from hato.store.notify import Notifier
from hato.store.sql.dialect import Dialect
from hato.store.sql.tx import Work

__all__ = ["LOOKUP", "Driver"]

T = TypeVar("T")

#: The bytes a lookup made for every delivered message is expected to bring back (an
#: account, an alias's targets, the active Sieve script: rows of a few hundred bytes, a
#: script within ``[sieve] max_script_size``'s default): the ``size`` that lets an engine
#: answer it without a hop to another thread, which under load cost more than the read.
LOOKUP = 64 * 1024


class Driver(Protocol):
    """The operations' view of an engine."""

    dialect: Dialect
    notifier: Notifier  # told, after commit, of the mailboxes a write touched

    async def open(self) -> None:
        """Reach the database now (else at first use); ``StoreUnavailable`` says why not."""
        ...

    async def close(self) -> None: ...

    async def read(self, work: Work[T], *, statement: bool = False, size: int | None = None) -> T:
        """Run ``work`` in one read-only snapshot.

        Facts a driver may use to choose how to run it: ``statement``, that
        ``work`` is a single statement; ``size``, the bytes it is expected to
        bring back, when the caller knows.
        """
        ...

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction; return once it is durable."""
        ...
