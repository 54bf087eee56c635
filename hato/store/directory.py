"""The directory: what delivery looks up for every message, kept while it is unchanged.

For each recipient delivery asks which addresses an alias stands for, which account a name
is (and the quota limits in force for it), the account's active Sieve script, and the
assignments at the addresses: six small reads a message. Each is cheap alone, but after
every commit a SQLite reader starts again with an empty page cache (and on PostgreSQL each
read is a round trip), so together they were a tenth of a delivery's time. Their answers
change only when an administrator changes something, so they are kept.

Staying right. The database keeps one number, ``directory_version``, that triggers move on
in the very transaction that changes any of those tables (schema version 23): whoever
writes, this process, a ``hato`` command beside it, or another node on PostgreSQL. A
``Directory`` holds the answers read since its version was read; ``directory()`` on the
store reads the number (one small read) and gives the Directory of that version, a new
empty one once the number moved on. Every answer a Directory keeps was read after its
version was, so it is at least as new as the version the caller saw: a change committed
before a delivery asks is always seen. Delivery takes one Directory for an envelope, at
its first RCPT, and asks it everything for that message (Dovecot's LMTP, too, looks a
recipient up once, at RCPT).

Bounded: at most ``DIRECTORY_BYTES`` a store, each answer counted by the length of its
text (hato.bounded), the least recently used dropped first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from hato.bounded import SizedLru
from hato.store.base import Assignment, QuotaLimits

__all__ = ["DIRECTORY_BYTES", "Addressee", "Directories", "Directory", "DirectoryReads"]

#: What one store's directory keeps at most, counted as its answers' text.
DIRECTORY_BYTES = 1 << 20

T = TypeVar("T")
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Addressee:
    """An account as delivery needs it: its id, its name, the quota limits in force for it
    (its own setting over the configured default; None in a field: no limit)."""

    id: int
    name: str
    limits: QuotaLimits


class DirectoryReads(Protocol):
    """The reads behind a Directory, each asking the database."""

    async def alias_targets(self, address: str) -> list[str]: ...
    async def addressee(self, name: str) -> Addressee | None: ...
    async def active_script(self, account_id: int) -> tuple[str, str] | None: ...
    async def assignments_at(self, addresses: Sequence[str]) -> list[Assignment]: ...


class Directory:
    """The answers of one ``directory_version`` (module docstring)."""

    def __init__(self, version: int, reads: DirectoryReads, kept: SizedLru[Hashable, Any]) -> None:
        self.version = version
        self._reads = reads
        self._kept = kept

    async def alias_targets(self, address: str) -> list[str]:
        """The targets of the alias stored under ``address`` (a key, hato.delivery.aliases)."""
        return list(await self._answer(("alias", address), self._reads.alias_targets, address))

    async def addressee(self, name: str) -> Addressee | None:
        """The account named ``name`` (lower case), or None."""
        return await self._answer(("account", name), self._reads.addressee, name)

    async def active_script(self, account_id: int) -> tuple[str, str] | None:
        """The account's active Sieve script, (name, text), or None."""
        return await self._answer(("sieve", account_id), self._reads.active_script, account_id)

    async def assignments_at(self, addresses: Sequence[str]) -> list[Assignment]:
        """The assignments whose address is one of ``addresses`` (lower case)."""
        if not addresses:
            return []
        key = ("assignments", tuple(addresses))
        return list(await self._answer(key, self._reads.assignments_at, addresses))

    async def _answer(self, key: Hashable, read: Callable[[Any], Awaitable[T]], arg: Any) -> T:
        found = self._kept.get(key, _MISSING)
        if found is _MISSING:
            found = await read(arg)
            self._kept.keep(key, found)
        result: T = found
        return result


class Directories:
    """One store's Directory of the version it read last."""

    def __init__(self, reads: DirectoryReads, limit: int = DIRECTORY_BYTES) -> None:
        self._reads = reads
        self._limit = limit
        self._current: Directory | None = None

    def at(self, version: int) -> Directory:
        """The Directory of ``version``: the kept one, or a new one that starts empty."""
        current = self._current
        if current is None or current.version != version:
            kept: SizedLru[Hashable, Any] = SizedLru(self._limit, _measure)
            current = self._current = Directory(version, self._reads, kept)
        return current


def _measure(answer: object) -> int:
    """An answer's size, near enough: its text (a script's is most of it)."""
    return 64 + len(repr(answer))
