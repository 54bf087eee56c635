"""THREAD and UID THREAD (RFC 5256 §3, §4): ORDEREDSUBJECT, REFERENCES and REFS.

    thread = ["UID" SP] "THREAD" SP thread-alg SP search-charset SP search-criteria

The algorithms (hato.imap.threads) run over keys stored at delivery
(``Mailstore.header_columns``, kept per mailbox by hato.imap.sort_cache): no
message is parsed here.  The answer is ``* THREAD`` with sequence numbers, or
UIDs for UID THREAD.  An unknown algorithm is BAD, as Dovecot answers it; an
unknown charset NO [BADCHARSET].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from hato.imap.capabilities import advertise
from hato.imap.commands.search import check_charset, matching
from hato.imap.registry import command
from hato.imap.reply import Reply, bad
from hato.imap.sort_cache import view_columns
from hato.imap.threads import Forest, ThreadKeys, ordered_subject, references, refs, render
from hato.proto.imap import SearchAll, Thread

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []

Algorithm = Callable[[Sequence[int], ThreadKeys], Forest]

_DATES = ("sent_date", "internal_date")
_LINKS = ("message_id", "in_reply_to", "refs")
# algorithm -> (how it threads, the stored columns it reads besides the dates)
_ALGORITHMS: dict[str, tuple[Algorithm, tuple[str, ...]]] = {
    "ORDEREDSUBJECT": (ordered_subject, ("sort_subject",)),
    "REFERENCES": (references, (*_LINKS, "sort_subject", "subject")),
    "REFS": (refs, _LINKS),
}

advertise("THREAD=REFERENCES", "THREAD=REFS", "THREAD=ORDEREDSUBJECT")


@command(Thread, expunges=False)
async def thread(session: ImapSession, cmd: Thread) -> Reply:
    found = _ALGORITHMS.get(cmd.algorithm)
    if found is None:
        raise bad("Unknown thread algorithm.")
    check_charset(cmd.charset)
    algorithm, names = found
    view = session.require_view()
    positions = await _matching_positions(session, cmd)
    keys = await _keys(session, names) if positions else ThreadKeys(())
    forest = algorithm(positions, keys)
    uids = view.uids
    session.send(render(forest, uids.__getitem__ if cmd.uid else _seq))
    return Reply("Thread completed.")


def _seq(position: int) -> int:
    return position + 1


async def _matching_positions(session: ImapSession, cmd: Thread) -> list[int]:
    """The positions (seq - 1) of the matching messages, ascending."""
    view = session.require_view()
    if isinstance(cmd.criteria, SearchAll):
        return list(range(view.count))
    return [seq - 1 for seq, _uid in await matching(session, cmd.criteria)]


async def _keys(session: ImapSession, names: tuple[str, ...]) -> ThreadKeys:
    """The columns ``names`` of every message of the view, by position."""
    view = session.require_view()
    columns = dict(
        zip(
            (*_DATES, *names),
            await view_columns(session.mailstore, view, (*_DATES, *names)),
            strict=True,
        )
    )
    dates = [
        sent or arrival or 0
        for sent, arrival in zip(columns["sent_date"], columns["internal_date"], strict=True)
    ]
    return ThreadKeys(
        dates=dates,
        subjects=columns.get("sort_subject", ()),
        message_ids=columns.get("message_id", ()),
        in_reply_to=columns.get("in_reply_to", ()),
        references=columns.get("refs", ()),
        raw_subjects=columns.get("subject", ()),
    )
