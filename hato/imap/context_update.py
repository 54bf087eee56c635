"""CONTEXT=SEARCH / CONTEXT=SORT updates (RFC 5267 §4.3).

A SEARCH or SORT with RETURN (UPDATE) leaves a context behind: its program
and the UIDs of its result (mailbox order for SEARCH, the sort order for
SORT).  After every command where untagged updates may be sent, and during
IDLE, ``pending_updates`` drains the view's ``touched`` (added, or flags
changed) and ``vanished`` UIDs and tells each context's changes:

    * ESEARCH (TAG "B01") [UID] REMOVEFROM (pos set) ADDTO (pos set)

Numbers are UIDs for UID SEARCH/SORT, else sequence numbers (§4.3.2).  For
SEARCH the position is 0 and the sets are in mailbox order (§4.3.3, §4.3.4
allow that); for SORT each message comes with its position in the sorted
result, so that applying the pairs in order keeps the client's copy sorted.
ADDTO follows the EXISTS that announced a new message (§4.3.3).  Expunged
messages are removed from the contexts by ``before_expunge``, which
hato.imap.condstore calls before the EXPUNGE/VANISHED responses, so their
REMOVEFROM comes first, with numbers still valid (§4.3.4).

Sequence-number sets and "$" in an updating program are fixed to the
messages they named when the context was made: later expunges renumber the
mailbox but do not change which messages the client asked about.  A session
keeps at most ``MAX_CONTEXTS``; beyond that UPDATE is refused with NOUPDATE
(§4.3.1).  CANCELUPDATE (§4.3.5) ends contexts; so does leaving the mailbox
(a context belongs to its view).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hato.imap.view import MailboxView
from hato.proto.imap import (
    Search,
    SearchAnd,
    SearchKey,
    SearchNot,
    SearchOr,
    SearchSequence,
    SequenceSet,
    Sort,
    SortCriterion,
    esearch_response,
)

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = [
    "MAX_CONTEXTS", "before_expunge", "cancel", "has_contexts", "in_use", "pending_updates",
    "start",
]  # fmt: skip

MAX_CONTEXTS = 16
Pair = tuple[int, int]  # (seq, uid)


@dataclass(slots=True)
class Context:
    """One updating search or sort: what the client holds as its result."""

    tag: str
    uid: bool
    criteria: SearchKey
    sort: tuple[SortCriterion, ...] | None
    result: list[int] = field(default_factory=list)  # UIDs, in the result's order
    members: set[int] = field(default_factory=set)

    def take(self, uids: list[int]) -> None:
        self.result = uids
        self.members = set(uids)


_contexts: weakref.WeakKeyDictionary[MailboxView, dict[str, Context]]
_contexts = weakref.WeakKeyDictionary()


def has_contexts(view: MailboxView) -> bool:
    """True if the view has updating searches or sorts to keep up to date."""
    return bool(_contexts.get(view))


def in_use(session: ImapSession, tag: str) -> bool:
    """True if an updating context already has this tag (RFC 5267 §4.3: BAD)."""
    view = session.view
    return view is not None and tag in _contexts.get(view, {})


def start(session: ImapSession, cmd: Search | Sort, found: list[Pair]) -> bool:
    """Keep `cmd`'s result up to date; False if there are too many contexts."""
    view = session.require_view()
    contexts = _contexts.setdefault(view, {})
    if len(contexts) >= MAX_CONTEXTS:
        return False
    order = cmd.sort_criteria if isinstance(cmd, Sort) else None
    context = Context(cmd.tag, cmd.uid, _fixed(cmd.criteria, view), order)
    context.take([uid for _, uid in found])
    contexts[cmd.tag] = context
    return True


def cancel(session: ImapSession, tags: tuple[str, ...]) -> list[str]:
    """End the contexts of `tags` (RFC 5267 §4.3.5); the tags that had none."""
    view = session.view
    contexts = _contexts.get(view, {}) if view is not None else {}
    unknown = [tag for tag in tags if tag not in contexts]
    for tag in tags:
        contexts.pop(tag, None)
    return unknown


def _fixed(key: SearchKey, view: MailboxView) -> SearchKey:
    """The program with its sequence-number sets and "$" replaced by the UIDs they
    name now (see the module docstring)."""
    if isinstance(key, SearchSequence) and (key.sequence_set.saved or not key.uid):
        numbers = key.sequence_set
        if numbers.saved:
            named = [uid for uid in view.saved_uids if view.has(uid)]
        else:
            count = view.count
            named = [uid for seq, uid in enumerate(view.uids, 1) if numbers.contains(seq, count)]
        return SearchSequence(SequenceSet.from_values(named), uid=True)
    if isinstance(key, SearchNot):
        return SearchNot(_fixed(key.key, view))
    if isinstance(key, SearchOr):
        return SearchOr(_fixed(key.left, view), _fixed(key.right, view))
    if isinstance(key, SearchAnd):
        return SearchAnd(tuple(_fixed(part, view) for part in key.keys))
    return key


def before_expunge(view: MailboxView, uids: list[int]) -> list[bytes]:
    """REMOVEFROM for messages about to be expunged, while their numbers hold."""
    lines = []
    for context in _contexts.get(view, {}).values():
        gone = [uid for uid in uids if uid in context.members]
        if gone:
            lines.append(_line(context, _removals(view, context, set(gone)), []))
    return lines


async def pending_updates(session: ImapSession) -> list[bytes]:
    """ESEARCH ADDTO/REMOVEFROM lines for the changes since the last call."""
    view = session.view
    if view is None or not (view.touched or view.vanished):  # most commands: nothing new
        return []
    touched = {uid for uid in view.touched if view.has(uid)}
    vanished = set(view.vanished)
    view.touched.clear()
    view.vanished.clear()
    contexts = _contexts.get(view)
    if not contexts or not (touched or vanished):
        return []
    lines = []
    for context in list(contexts.values()):
        if context.sort is None:
            line = await _search_changes(session, view, context, touched, vanished)
        else:
            line = await _sort_changes(session, view, context, touched | vanished)
        if line:
            lines.append(line)
    return lines


async def _search_changes(
    session: ImapSession,
    view: MailboxView,
    context: Context,
    touched: set[int],
    vanished: set[int],
) -> bytes:
    from hato.imap.search_eval import evaluate

    pairs = [(view.seq(uid), uid) for uid in sorted(touched)]
    matched = {uid for _, uid in await evaluate(session.mailstore, view, context.criteria, pairs)}
    gone = (touched - matched | vanished) & context.members
    removed = _removals(view, context, gone) if gone else []
    added = sorted(matched - context.members)
    if added:
        context.take(sorted(context.members | set(added)))
    inserted = [(0, _told(view, context, added))] if added else []
    return _line(context, removed, inserted)


async def _sort_changes(
    session: ImapSession, view: MailboxView, context: Context, changed: set[int]
) -> bytes:
    """Sort again and tell the difference: removals from the back (their positions
    stay valid), then insertions from the front, each at its final position."""
    from hato.imap.sorting import sort_matches

    assert context.sort is not None
    ordered = [uid for _, uid in await sort_matches(session, context.sort, context.criteria)]
    removed = _removals(view, context, context.members - set(ordered))
    inserted = [
        (position, _told(view, context, [uid]))
        for position, uid in enumerate(ordered, 1)
        if uid not in context.members
    ]
    context.take(ordered)
    return _line(context, removed, inserted)


Change = tuple[int, list[int]]  # (context position, UIDs or sequence numbers)


def _told(view: MailboxView, context: Context, uids: list[int]) -> list[int]:
    """The numbers the client knows the messages by; messages that have left the
    view already (their EXPUNGE went out) are no longer numbered."""
    if context.uid:
        return uids
    return [seq for seq in (view.seq(uid) for uid in uids) if seq]


def _removals(view: MailboxView, context: Context, gone: set[int]) -> list[Change]:
    """Take `gone` out of the context's result; the REMOVEFROM pairs that say so."""
    before = context.result
    context.take([uid for uid in before if uid not in gone])
    if context.sort is None:
        told = _told(view, context, sorted(gone))
        return [(0, told)] if told else []
    changes = []
    for position, uid in reversed(list(enumerate(before, 1))):
        told = _told(view, context, [uid]) if uid in gone else []
        if told:
            changes.append((position, told))
    return changes


def _line(context: Context, removed: list[Change], added: list[Change]) -> bytes:
    """`* ESEARCH (TAG "t") [UID] REMOVEFROM (...) ADDTO (...)`; empty if no change."""
    from hato.imap.esearch import ordered_set

    if not removed and not added:
        return b""
    words: list[bytes] = []
    for name, changes in ((b"REMOVEFROM", removed), (b"ADDTO", added)):
        if changes:
            pairs = (f"{position} {ordered_set(numbers)}" for position, numbers in changes)
            words.append(name + b" (" + " ".join(pairs).encode() + b")")
    return esearch_response(context.tag, context.uid, words)
