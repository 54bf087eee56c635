"""SORT and UID SORT (RFC 5256 §3) with the SORT=DISPLAY keys (RFC 5957 §3).

    sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria

The answer is ``* SORT`` with sequence numbers, or UIDs for UID SORT
(RFC 5256 §4); with RETURN (...) it is ESORT's ESEARCH answer (RFC 5267 §3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.capabilities import advertise
from hato.imap.commands.search import check_charset
from hato.imap.esearch import answer_esort
from hato.imap.registry import command
from hato.imap.reply import Reply
from hato.imap.sorting import sort_matches
from hato.proto.imap import Sort

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []

advertise("SORT", "SORT=DISPLAY")


@command(Sort, expunges=False)
async def sort(session: ImapSession, cmd: Sort) -> Reply:
    check_charset(cmd.charset)
    if cmd.returning is not None:
        return await answer_esort(session, cmd)
    ordered = await sort_matches(session, cmd.sort_criteria, cmd.criteria)
    numbers = [uid if cmd.uid else seq for seq, uid in ordered]
    session.send(b"* SORT" + b"".join(b" %d" % n for n in numbers) + b"\r\n")
    return Reply("Sort completed.")
