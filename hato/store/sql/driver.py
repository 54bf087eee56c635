"""What a store engine offers the operations written once: a read and a write transaction.

The SQLite engine and the PostgreSQL engine are the two drivers. Each runs an
operation (``Work``: a coroutine function of a ``Tx``, tx.py) in a transaction
of its own making and returns its result once the transaction has committed
(a write, durably: the durability invariant, docs/architecture.md).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from hato.store.sql.tx import Work

__all__ = ["Driver"]

T = TypeVar("T")


class Driver(Protocol):
    """The operations' view of an engine."""

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` in one read-only snapshot."""
        ...

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction; return once it is durable."""
        ...
