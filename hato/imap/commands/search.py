"""SEARCH and UID SEARCH (RFC 3501 §6.4.4, §7.2.5), CHARSET UTF-8 and US-ASCII (and
ISO-2022-JP, Shift_JIS and EUC-JP, which older Japanese clients send),
with RETURN (...) (ESEARCH, RFC 4731; SEARCHRES, RFC 5182; CONTEXT=SEARCH,
RFC 5267 §4), and CANCELUPDATE (RFC 5267 §4.3.5).

Evaluated in memory over the view (hato.imap.search_eval): FROM/TO/CC/SUBJECT
from the stored header columns, other message keys from messages loaded in
batches, only for the messages the cheap keys let through.  String keys use
the i;unicode-casemap comparator (I18NLEVEL=1, RFC 5255 §4); OLDER/YOUNGER
are WITHIN's (RFC 5032).  The ESEARCH answer is hato.imap.esearch's.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from hato.imap import context_update
from hato.imap.condstore import search_modseq_suffix
from hato.imap.esearch import answer, check_returning, searchres
from hato.imap.reply import Reply, no
from hato.imap.search_eval import evaluate
from hato.proto.imap import (
    SEARCH_CHARSETS,
    CancelUpdate,
    Search,
    SearchKey,
    SearchReturn,
    numbers_response,
)

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["check_charset", "matching"]

_KNOWN = "BADCHARSET (" + " ".join(SEARCH_CHARSETS) + ")"


async def matching(session: ImapSession, criteria: SearchKey) -> list[tuple[int, int]]:
    """(seq, uid) of every message in the view that matches, ascending.

    SORT, THREAD and the ESEARCH family build on this one evaluation.
    """
    view = session.require_view()
    return await evaluate(session.mailstore, view, criteria)


def check_charset(charset: str | None) -> None:
    """RFC 3501 §6.4.4: an unknown charset is NO [BADCHARSET (the ones we know)]."""
    if charset is not None and charset.upper() not in SEARCH_CHARSETS:
        raise no("Unsupported charset.", _KNOWN)


async def search(session: ImapSession, cmd: Search) -> Reply:
    """IMAP4rev2 has no SEARCH response: a SEARCH without RETURN is RETURN (ALL),
    answered by ESEARCH (RFC 9051 §6.4.4, §7.3.4)."""
    if cmd.returning is None and session.rev2:
        cmd = dataclasses.replace(cmd, returning=SearchReturn(frozenset()))
    if cmd.returning is not None:
        with searchres(session, cmd):
            check_charset(cmd.charset)
            options = check_returning(session, cmd)
            found = await matching(session, cmd.criteria)
            return answer(session, cmd, options, found, "Search completed.")
    check_charset(cmd.charset)
    found = await matching(session, cmd.criteria)
    numbers = [uid if cmd.uid else seq for seq, uid in found]
    suffix = search_modseq_suffix(session, cmd.criteria, (uid for _, uid in found))
    session.send(numbers_response("SEARCH", numbers, suffix))
    return Reply("Search completed.")


async def cancel_update(session: ImapSession, cmd: CancelUpdate) -> Reply:
    """RFC 5267 §4.3.5: no more updates for the contexts of these tags."""
    unknown = context_update.cancel(session, cmd.tags)
    if unknown:
        return Reply(f"Unknown search update tag: {unknown[0]}", "NO")
    return Reply("Cancelupdate completed.")
