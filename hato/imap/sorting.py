"""The order of SORT (RFC 5256 §3) and SORT=DISPLAY (RFC 5957 §3), from stored keys.

The keys were computed at delivery (hato.mime._columns): base subjects and
addresses already casemapped with i;unicode-casemap (RFC 5051), so comparing
them is comparing code points.  The order is a stable sort per criterion, from
the last one to the first, over the matches in sequence order, so that
messages equal under every criterion stay in mailbox order (RFC 5256 §3:
"sorted according to the order in which they appear in the mailbox"), REVERSE
or not.

A session up to date with its mailbox sorts over the keys its index keeps in
memory (hato.imap.sort_cache): the order of a program over the whole mailbox
is computed once per snapshot of the mailbox and kept, and a search program
narrows it down.  A session with expunges still to report reads the keys of
its own messages (one ``header_columns`` query) and sorts them (``order``).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hato.imap.commands.search import matching
from hato.imap.sort_cache import Keys, view_keys
from hato.proto.imap import SearchAll, SearchKey, SortCriterion

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["Sorted", "columns_for", "order", "sort_matches", "sorted_positions"]

Row = tuple[Any, ...]
Extract = Callable[[Row], Any]

# sort-key -> the stored keys it reads (hato.store HEADER_COLUMN_NAMES)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "ARRIVAL": ("internal_date",),
    "CC": ("sort_cc",),
    "DATE": ("sent_date", "internal_date"),
    "FROM": ("sort_from",),
    "SIZE": ("size",),
    "SUBJECT": ("sort_subject",),
    "TO": ("sort_to",),
    "DISPLAYFROM": ("sort_display_from",),
    "DISPLAYTO": ("sort_display_to",),
}
_NUMERIC = frozenset({"internal_date", "sent_date", "size"})
_FEW = 8  # matches fewer than 1/_FEW of the mailbox are sorted alone, not via the full order


@dataclass(frozen=True, slots=True)
class Sorted:
    """The matches in order: ``positions`` index ``uids`` (the session's numbering).

    ``whole_of`` is set when they are every message of a cached snapshot, whose
    memo may then keep answers made from them.
    """

    uids: Sequence[int]
    positions: Sequence[int]
    whole_of: Keys | None = None

    def pairs(self) -> list[tuple[int, int]]:
        uids = self.uids
        return [(at + 1, uids[at]) for at in self.positions]


async def sort_matches(
    session: ImapSession, criteria: tuple[SortCriterion, ...], search: SearchKey
) -> list[tuple[int, int]]:
    """(seq, uid) of the messages matching `search`, in the order of `criteria`."""
    return (await sorted_positions(session, criteria, search)).pairs()


async def sorted_positions(
    session: ImapSession, criteria: tuple[SortCriterion, ...], search: SearchKey
) -> Sorted:
    """The messages matching `search` in the order of `criteria`, from the index's
    keys when the session is up to date with it."""
    view, names = session.require_view(), columns_for(criteria)
    keys = await view_keys(session.mailstore, view, names)
    if keys is not None:
        return await _from_keys(session, keys, criteria, search)
    found = await _matches(session, search)
    rows = await session.mailstore.header_columns(view.id, names) if found else []
    ordered = order(found, rows, names, criteria)
    return Sorted(view.uids, [seq - 1 for seq, _uid in ordered])


async def _matches(session: ImapSession, search: SearchKey) -> list[tuple[int, int]]:
    """``matching``, without evaluating ALL (every message matches it)."""
    if isinstance(search, SearchAll):
        return list(enumerate(session.require_view().uids, 1))
    return await matching(session, search)


async def _from_keys(
    session: ImapSession, keys: Keys, criteria: tuple[SortCriterion, ...], search: SearchKey
) -> Sorted:
    """The whole order of the snapshot, narrowed to the matches (a few are sorted alone)."""
    if isinstance(search, SearchAll):
        return Sorted(keys.uids, whole_order(keys, criteria), keys)
    found = await matching(session, search)  # numbered by keys.uids: the view's snapshot
    wanted = [seq - 1 for seq, _uid in found]
    if len(wanted) == len(keys.uids):
        return Sorted(keys.uids, whole_order(keys, criteria), keys)
    if ("order", criteria) not in keys.memo and len(wanted) * _FEW < len(keys.uids):
        return Sorted(keys.uids, _sort(wanted, keys, criteria))
    chosen = bytearray(len(keys.uids))
    for at in wanted:
        chosen[at] = 1
    return Sorted(keys.uids, [at for at in whole_order(keys, criteria) if chosen[at]])


def whole_order(keys: Keys, criteria: tuple[SortCriterion, ...]) -> Sequence[int]:
    """Every position of ``keys.uids`` in the order of `criteria`, computed once a snapshot."""
    return keys.memoized(
        ("order", criteria), lambda: array("I", _sort(range(len(keys.uids)), keys, criteria))
    )


def _sort(positions: Sequence[int], keys: Keys, criteria: Sequence[SortCriterion]) -> list[int]:
    """`positions` (ascending) stably sorted by each criterion, the last one first."""
    ordered = list(positions)
    for criterion in reversed(criteria):
        values = _values(keys, criterion.key)
        ordered.sort(key=values.__getitem__, reverse=criterion.reverse)
    return ordered


def _values(keys: Keys, key: str) -> Sequence[Any]:
    """The sort value of `key` for each position, as `order` reads it from rows."""
    return keys.memoized(("values", key), lambda: _make_values(keys, key))


def _make_values(keys: Keys, key: str) -> Sequence[Any]:
    if key == "DATE":  # RFC 5256 §2.2: INTERNALDATE when there is no (parseable) Date
        dates = zip(keys.column("sent_date"), keys.dates, strict=True)
        return [arrival if sent is None else sent for sent, arrival in dates]
    name = _COLUMNS[key][0]
    values = keys.column(name)
    if None in values:
        blank = 0 if name in _NUMERIC else ""
        return [blank if value is None else value for value in values]
    return values


def columns_for(criteria: Sequence[SortCriterion]) -> list[str]:
    """The stored columns the criteria read, each once, in first-use order."""
    names: dict[str, None] = {}
    for criterion in criteria:
        names.update(dict.fromkeys(_COLUMNS[criterion.key]))
    return list(names)


def order(
    found: Sequence[tuple[int, int]],
    rows: Sequence[Row],
    names: Sequence[str],
    criteria: Sequence[SortCriterion],
) -> list[tuple[int, int]]:
    """Sort `found` (ascending by seq) by `criteria`; `rows` are `(uid, *names)`.

    A message without a row (expunged meanwhile) sorts as empty text, zero.
    """
    blank = tuple(0 if name in _NUMERIC else "" for name in names)
    by_uid = {row[0]: row[1:] for row in rows}
    keyed = [by_uid.get(uid, blank) for _seq, uid in found]
    positions = list(range(len(found)))
    for criterion in reversed(criteria):
        extract = _extractor(criterion.key, names)
        values = [extract(row) for row in keyed]
        positions.sort(key=values.__getitem__, reverse=criterion.reverse)
    return [found[position] for position in positions]


def _extractor(key: str, names: Sequence[str]) -> Extract:
    """How to read the sort value of `key` from a row of `names`."""
    if key == "DATE":
        return _sent_date(names.index("sent_date"), names.index("internal_date"))
    index = names.index(_COLUMNS[key][0])
    if _COLUMNS[key][0] in _NUMERIC:
        return lambda row: row[index] or 0
    return lambda row: row[index] or ""


def _sent_date(sent: int, internal: int) -> Extract:
    """RFC 5256 §2.2: the Date field, or INTERNALDATE when it is missing or unparseable."""

    def value(row: Row) -> Any:
        date = row[sent]
        return row[internal] if date is None else date

    return value
