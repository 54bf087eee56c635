"""SORT and THREAD keys of a mailbox kept in memory, as Dovecot keeps them in its index.

Theory of operation.  The keys SORT and THREAD read (RFC 5256 §2, §3) were stored
at delivery (``Mailstore.header_columns``) and never change for a message, so
each ``MailboxIndex`` keeps the columns it was asked for, once per process, in
``index.sort_keys`` (a ``KeyCache``):

- Every column is a list aligned with one ``uids`` snapshot of the index (the
  array object, never changed in place: new mail or an expunge makes a new one).
  The snapshot is compared by identity and held, so it cannot be mistaken for
  another array.
- When the index moved on, the columns are carried over to its new snapshot:
  expunged positions are dropped; messages above the old snapshot's last UID
  are new and their keys alone are read (``header_columns(min_uid=...)``).
- INTERNALDATE and RFC822.SIZE come from the index's own arrays, copied at the
  moment the snapshot is taken, so they align with it too.
- ``Keys.memo`` keeps what is derived from one snapshot (SORT's orders, answers);
  a new snapshot starts an empty one, so nothing there can be stale.
- One lock per cache: concurrent sessions wait for one load instead of each
  querying; what ``keys_of`` returns always matches the snapshot it names, even
  if the index moves on meanwhile.

A session whose numbering is not the index's snapshot (expunges it has not
reported, RFC 3501 §7.4.1) cannot use the cache: ``view_columns`` then reads
the columns for its own UIDs, as before.
"""

from __future__ import annotations

import asyncio
from array import array
from bisect import bisect_right
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import TYPE_CHECKING, Any, TypeVar

from hato.store import MESSAGE_KEYS, Mailstore

if TYPE_CHECKING:
    from hato.imap.mailbox_index import MailboxIndex
    from hato.imap.view import MailboxView

__all__ = ["KeyCache", "Keys", "align", "keys_of", "view_columns", "view_keys"]

Column = Sequence[Any]
T = TypeVar("T")
# columns the index holds itself: no query needed
_FROM_INDEX = frozenset(MESSAGE_KEYS)
_MEMO_ENTRIES = 16  # sort values, orders and answers remembered per snapshot


@dataclass(frozen=True, slots=True)
class Keys:
    """Columns aligned with ``uids`` (one index snapshot); ``memo`` is that snapshot's."""

    uids: Sequence[int]
    columns: dict[str, Column]
    dates: Sequence[int]
    sizes: Sequence[int]
    memo: dict[Hashable, Any] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        if name == "internal_date":
            return self.dates
        if name == "size":
            return self.sizes
        return self.columns[name]

    def memoized(self, key: Hashable, make: Callable[[], T]) -> T:
        """What ``make`` gives, made once for this snapshot (a few entries are kept)."""
        if key in self.memo:
            return self.memo[key]  # type: ignore[no-any-return]
        value = make()
        while len(self.memo) >= _MEMO_ENTRIES:
            del self.memo[next(iter(self.memo))]
        self.memo[key] = value
        return value


class KeyCache:
    """The header columns of one mailbox index loaded so far (see the module docstring)."""

    def __init__(self) -> None:
        self.keys = Keys(array("I"), {}, array("q"), array("Q"))
        self.loads = 0  # header_columns queries made, for tests and curiosity
        self._lock = asyncio.Lock()

    async def keys_of(
        self, mailstore: Mailstore, index: MailboxIndex, names: Sequence[str]
    ) -> Keys:
        """The columns ``names`` for the index's current snapshot."""
        async with self._lock:
            uids = index.uids
            if uids is not self.keys.uids:
                dates, sizes = array("q", index.dates), array("Q", index.sizes)
                columns = await self._carried(mailstore, index.mailbox_id, uids)
                self.keys = Keys(uids, columns, dates, sizes)
            missing = [name for name in dict.fromkeys(names) if name not in _FROM_INDEX]
            missing = [name for name in missing if name not in self.keys.columns]
            if missing:
                rows = await self._read(mailstore, index.mailbox_id, missing, 0)
                self.keys.columns.update(zip(missing, align(uids, rows, len(missing)), strict=True))
            return self.keys

    async def _carried(
        self, mailstore: Mailstore, mailbox_id: int, uids: Sequence[int]
    ) -> dict[str, Column]:
        """The loaded columns moved to the snapshot ``uids``; {} if they cannot be."""
        old, columns = self.keys.uids, self.keys.columns
        if not columns:
            return {}
        split = bisect_right(uids, old[-1]) if old else 0
        kept = _surviving(old, uids[:split], columns)
        if kept is None:  # not an expunge/append of the old snapshot: load anew
            return {}
        if split == len(uids):
            return kept
        names = list(kept)
        rows = await self._read(mailstore, mailbox_id, names, uids[split])
        fresh = align(uids[split:], rows, len(names))
        return {name: [*kept[name], *new] for name, new in zip(names, fresh, strict=True)}

    async def _read(
        self, mailstore: Mailstore, mailbox_id: int, names: list[str], min_uid: int
    ) -> list[tuple[Any, ...]]:
        self.loads += 1
        return await mailstore.header_columns(mailbox_id, names, min_uid)


def _surviving(
    old: Sequence[int], still: Sequence[int], columns: dict[str, Column]
) -> dict[str, Column] | None:
    """The values of the old UIDs that are ``still`` there (which must be among them)."""
    if len(still) == len(old):
        return columns
    present = set(still)
    keep = list(map(present.__contains__, old))
    if sum(keep) != len(still):
        return None
    return {name: list(compress(values, keep)) for name, values in columns.items()}


def align(uids: Sequence[int], rows: Sequence[tuple[Any, ...]], width: int) -> list[Column]:
    """``width`` columns from ``(uid, *values)`` rows, one value per UID of ``uids``
    (None where a message has no row: expunged since), repeated text stored once."""
    if len(rows) == len(uids) and all(row[0] == uid for row, uid in zip(rows, uids, strict=True)):
        picked: Sequence[tuple[Any, ...]] = rows
    else:
        by_uid = {row[0]: row for row in rows}
        blank = (None,) * (width + 1)
        picked = [by_uid.get(uid, blank) for uid in uids]
    if not picked:
        return [[] for _ in range(width)]
    return [_shared(values) for values in list(zip(*picked, strict=True))[1:]]


def _shared(values: Sequence[Any]) -> list[Any]:
    """The values, equal strings made one object (senders and subjects repeat a lot)."""
    if not any(isinstance(value, str) for value in values):
        return list(values)
    seen: dict[Any, Any] = {}
    return [seen.setdefault(value, value) for value in values]


async def keys_of(mailstore: Mailstore, index: MailboxIndex, names: Sequence[str]) -> Keys:
    """The columns ``names`` of every message of the index's snapshot ``Keys.uids``."""
    return await index.sort_keys.keys_of(mailstore, index, names)


async def view_keys(mailstore: Mailstore, view: MailboxView, names: Sequence[str]) -> Keys | None:
    """The cached keys ``names`` numbered as ``view`` numbers its messages, or None
    when the view is not the index's snapshot (unreported expunges or new mail)."""
    index = view.index
    if view.uids is not index.uids:
        return None
    keys = await keys_of(mailstore, index, names)
    return keys if keys.uids is view.uids else None


async def view_columns(
    mailstore: Mailstore, view: MailboxView, names: Sequence[str]
) -> list[Column]:
    """The columns ``names`` (hato.store HEADER_COLUMN_NAMES), each aligned with ``view.uids``
    (None where a message has no row): from the cache when the view is up to date."""
    keys = await view_keys(mailstore, view, names)
    if keys is not None:
        return [keys.column(name) for name in names]
    rows = await mailstore.header_columns(view.id, names)
    return align(view.uids, rows, len(names))
