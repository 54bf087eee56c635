"""SORT and UID SORT (RFC 5256 §3) with the SORT=DISPLAY keys (RFC 5957 §3).

    sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria

The answer is ``* SORT`` with sequence numbers, or UIDs for UID SORT
(RFC 5256 §4); with RETURN (...) it is ESORT's ESEARCH answer (RFC 5267 §3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.commands.search import check_charset
from hato.imap.esearch import answer_esort
from hato.imap.reply import Reply
from hato.imap.sorting import Sorted, sorted_positions
from hato.proto.imap import Sort, numbers_response

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []


async def sort(session: ImapSession, cmd: Sort) -> Reply:
    check_charset(cmd.charset)
    if cmd.returning is not None:
        return await answer_esort(session, cmd)
    found = await sorted_positions(session, cmd.sort_criteria, cmd.criteria)
    session.send(_answer(found, cmd))
    return Reply("Sort completed.")


def _answer(found: Sorted, cmd: Sort) -> bytes:
    """``* SORT`` and the numbers; kept with the mailbox's order when it is the whole of it."""
    if found.whole_of is None:
        return _line(found, cmd.uid)
    key = ("SORT answer", cmd.sort_criteria, cmd.uid)
    return found.whole_of.memoized(key, lambda: _line(found, cmd.uid))


def _line(found: Sorted, uid: bool) -> bytes:
    uids, positions = found.uids, found.positions
    numbers = [uids[at] for at in positions] if uid else [at + 1 for at in positions]
    return numbers_response("SORT", numbers)
