"""SEARCH and UID SEARCH (RFC 3501 §6.4.4, §7.2.5), CHARSET UTF-8 and US-ASCII.

Evaluated in memory over the view (hato.imap.search_eval); messages are
loaded in batches only when the program has keys about their contents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.commands.fetch import BATCH
from hato.imap.condstore import search_modseq_suffix
from hato.imap.fetch_items import MessageData
from hato.imap.registry import command
from hato.imap.reply import Reply, bad, no
from hato.imap.search_eval import Matcher, needs_message
from hato.proto.imap import Search, SearchKey

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["check_charset", "matching"]

_CHARSETS = frozenset({"UTF-8", "US-ASCII"})


async def _load(session: ImapSession, uids: list[int]) -> dict[int, MessageData]:
    view = session.require_view()
    found = {uid: MessageData(uid) for uid in uids}
    for details in await session.mailstore.message_details(view.id, uids):
        found[details.summary.uid].details = details
    for uid, raw in (await session.mailstore.read_messages(view.id, uids)).items():
        found[uid].raw = raw
    return {uid: data for uid, data in found.items() if data.details is not None}


async def matching(session: ImapSession, criteria: SearchKey) -> list[tuple[int, int]]:
    """(seq, uid) of every message in the view that matches, ascending.

    SORT, THREAD and the ESEARCH family build on this one evaluation.
    """
    view = session.require_view()
    matcher = Matcher(view)
    deep = needs_message(criteria)
    found: list[tuple[int, int]] = []
    pairs = list(enumerate(view.uids, 1))
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start : start + BATCH]
        uids = [uid for _, uid in batch]
        loaded = await _load(session, uids) if deep else {u: MessageData(u) for u in uids}
        for seq, uid in batch:
            data = loaded.get(uid)
            if data is not None and matcher.matches(criteria, seq, data):
                found.append((seq, uid))
    return found


def check_charset(charset: str | None) -> None:
    """RFC 3501 §6.4.4: an unknown charset is NO [BADCHARSET (the ones we know)]."""
    if charset is not None and charset.upper() not in _CHARSETS:
        raise no("Unsupported charset.", "BADCHARSET (UTF-8 US-ASCII)")


@command(Search, expunges=False)
async def search(session: ImapSession, cmd: Search) -> Reply:
    check_charset(cmd.charset)
    if cmd.returning is not None:
        raise bad("Unknown argument RETURN")
    found = await matching(session, cmd.criteria)
    numbers = [uid if cmd.uid else seq for seq, uid in found]
    suffix = search_modseq_suffix(session, cmd.criteria, (uid for _, uid in found))
    session.send(b"* SEARCH" + b"".join(b" %d" % n for n in numbers) + suffix + b"\r\n")
    return Reply("Search completed.")
