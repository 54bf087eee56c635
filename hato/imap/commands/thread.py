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
from functools import partial
from typing import TYPE_CHECKING, Any

from hato.imap.commands.search import check_charset, matching
from hato.imap.reply import Reply, bad
from hato.imap.sort_cache import Keys, view_columns, view_keys
from hato.imap.threads import (
    Forest,
    Label,
    ThreadKeys,
    ordered_subject,
    references,
    refs,
    render,
)
from hato.proto.imap import SearchAll, Thread

if TYPE_CHECKING:
    from hato.imap.session import ImapSession
    from hato.imap.view import MailboxView

__all__: list[str] = []

Algorithm = Callable[[Sequence[int], ThreadKeys], Forest]
Column = Sequence[Any]

_DATES = ("sent_date", "internal_date")
_LINKS = ("message_id", "in_reply_to", "references")
# algorithm -> (how it threads, the stored columns it reads besides the dates)
_ALGORITHMS: dict[str, tuple[Algorithm, tuple[str, ...]]] = {
    "ORDEREDSUBJECT": (ordered_subject, ("sort_subject",)),
    "REFERENCES": (references, (*_LINKS, "sort_subject", "subject")),
    "REFS": (refs, _LINKS),
}


async def thread(session: ImapSession, cmd: Thread) -> Reply:
    found = _ALGORITHMS.get(cmd.algorithm)
    if found is None:
        raise bad("Unknown thread algorithm.")
    check_charset(cmd.charset)
    algorithm, names = found
    view = session.require_view()
    label = view.uids.__getitem__ if cmd.uid else _seq
    whole = await _whole_mailbox(session, cmd, names)
    if whole is not None:  # kept with the mailbox's snapshot, made once
        memo_key = ("THREAD answer", cmd.algorithm, cmd.uid)
        make = partial(_answer, algorithm, range(view.count), whole, label)
        session.send(whole.memoized(memo_key, make))
        return Reply("Thread completed.")
    positions = await _matching_positions(session, cmd)
    keys = await _keys(session, names) if positions else ThreadKeys(())
    session.send(render(algorithm(positions, keys), label))
    return Reply("Thread completed.")


def _answer(algorithm: Algorithm, positions: Sequence[int], keys: Keys, label: Label) -> bytes:
    return render(algorithm(positions, _thread_keys(keys.column)), label)


def _seq(position: int) -> int:
    return position + 1


async def _whole_mailbox(session: ImapSession, cmd: Thread, names: tuple[str, ...]) -> Keys | None:
    """The index's keys when the answer is over all of them (ALL, session up to date)."""
    view = session.require_view()
    if not isinstance(cmd.criteria, SearchAll):
        return None
    return await view_keys(session.mailstore, view, (*_DATES, *names))


async def _matching_positions(session: ImapSession, cmd: Thread) -> list[int]:
    """The positions (seq - 1) of the matching messages, ascending."""
    view = session.require_view()
    if isinstance(cmd.criteria, SearchAll):
        return list(range(view.count))
    return [seq - 1 for seq, _uid in await matching(session, cmd.criteria)]


async def _keys(session: ImapSession, names: tuple[str, ...]) -> ThreadKeys:
    """The columns ``names`` of every message of the view, by position."""
    view = session.require_view()
    wanted = (*_DATES, *names)
    columns = dict(zip(wanted, await view_columns(session.mailstore, view, wanted), strict=True))
    arrivals = columns["internal_date"]
    if None in arrivals:  # expunged since the view was told: the index's ghosts
        columns["internal_date"] = [
            _arrival(view, uid) if arrival is None else arrival
            for arrival, uid in zip(arrivals, view.uids, strict=True)
        ]
    return _thread_keys(columns.__getitem__)


def _arrival(view: MailboxView, uid: int) -> int:
    try:
        return view.summary(uid).internal_date
    except KeyError:
        return 0


def _thread_keys(column: Callable[[str], Column]) -> ThreadKeys:
    """The algorithms' keys from stored columns; the date is RFC 5256 §2.2's."""
    dates = [
        sent or arrival or 0
        for sent, arrival in zip(column("sent_date"), column("internal_date"), strict=True)
    ]

    def optional(name: str) -> Column:
        try:
            return column(name)
        except KeyError:
            return ()

    return ThreadKeys(
        dates=dates,
        subjects=optional("sort_subject"),
        message_ids=optional("message_id"),
        in_reply_to=optional("in_reply_to"),
        references=optional("references"),
        raw_subjects=optional("subject"),
    )
