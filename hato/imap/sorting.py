"""The order of SORT (RFC 5256 §3) and SORT=DISPLAY (RFC 5957 §3), from stored keys.

The keys were computed at delivery (hato.mime._columns): base subjects and
addresses already casemapped with i;unicode-casemap (RFC 5051), so comparing
them is comparing code points.  One `header_columns` query gives the keys of
every message; the order is a stable sort per criterion, from the last one
to the first, over the matches in sequence order, so that messages equal
under every criterion stay in mailbox order (RFC 5256 §3: "sorted according
to the order in which they appear in the mailbox"), REVERSE or not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hato.imap.commands.search import matching
from hato.proto.imap import SearchKey, SortCriterion

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["columns_for", "order", "sort_matches"]

Row = tuple[Any, ...]
Extract = Callable[[Row], Any]

# sort-key -> the stored columns it reads (HEADER_COLUMN_NAMES)
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


async def sort_matches(
    session: ImapSession, criteria: tuple[SortCriterion, ...], search: SearchKey
) -> list[tuple[int, int]]:
    """(seq, uid) of the messages matching `search`, in the order of `criteria`."""
    found = await matching(session, search)
    if not found:
        return []
    names = columns_for(criteria)
    view = session.require_view()
    rows = await session.mailstore.header_columns(view.id, names)
    return order(found, rows, names, criteria)


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
