"""FETCH of items the shared index holds, straight from its arrays (RFC 3501 §6.4.5).

`FETCH 1:* (UID FLAGS RFC822.SIZE)` and `(FLAGS MODSEQ)` are what every client
sends to synchronise a mailbox, over all of it.  When a FETCH asks only for
UID, FLAGS, RFC822.SIZE and MODSEQ (RFC 7162 §3.1.4), each answer line is one
%-format of numbers from the index's columns and a flag list encoded once per
distinct (flag set, \\Recent) pair, with no per-message objects and no store
call.  The lines are the ones hato.imap.fetch_items would produce: same items,
same order (`order_items`), same encodings.

A client without CONDSTORE asks for every message's flags at each look, mostly of a
mailbox that has not changed since: the answer to a run of the index's own numbering
(``KEPT_FROM`` messages or more, for a view without \\Recent, which is the session's
own) is kept on the index's ``KeptAnswers`` under the columns' version, and the same
question is then answered with those bytes (about 0.35 us a message less).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from operator import itemgetter

from hato.imap.view import MailboxView, ordered_flags
from hato.proto.imap import FetchAttr, encode_flags, fetch_template

__all__ = ["KEPT_FROM", "QUICK_ITEMS", "is_quick", "quick_answer", "quick_lines"]

QUICK_ITEMS = frozenset({"UID", "FLAGS", "RFC822.SIZE", "MODSEQ"})
#: Messages a run has at least for its answer to be kept: a shorter one is made again in
#: a few microseconds, and many small entries would cost more memory than their bytes.
KEPT_FROM = 100
_PIECES = {
    "UID": b"UID %d",
    "FLAGS": b"FLAGS %s",
    "RFC822.SIZE": b"RFC822.SIZE %d",
    "MODSEQ": b"MODSEQ (%d)",
}


def is_quick(items: Sequence[FetchAttr]) -> bool:
    return all(item.name in QUICK_ITEMS and item.section is None for item in items)


def quick_answer(
    view: MailboxView, targets: Sequence[tuple[int, int]], items: Sequence[FetchAttr]
) -> tuple[list[bytes], bool]:
    """The answer's pieces for ``targets``, and whether a message of them was gone; a
    run of ``KEPT_FROM`` messages or more of the index's numbering, in a view without
    \\Recent, is one piece, kept on the index for the same question (module docstring)."""
    if len(targets) >= KEPT_FROM and not view.recent and _is_run(view, targets):
        index = view.index
        key = index.answer_key(tuple(item.name for item in items), targets[0][0], len(targets))
        answer = index.answers.get(key)
        if answer is None:
            start, end = targets[0][0] - 1, targets[-1][0]
            answer = b"".join(_run_lines(view, start, end, *_formats(view, items)))
            index.answers.keep(key, answer)
        return [answer], False
    lines = list(filter(None, quick_lines(view, targets, items)))  # None: gone meanwhile
    return lines, len(lines) < len(targets)


def _is_run(view: MailboxView, targets: Sequence[tuple[int, int]]) -> bool:
    """Whether ``targets`` are consecutive numbers of a view that numbers by the index's
    snapshot: their lines are slices of its columns, and none is gone."""
    return (
        view.uids is view.index.uids
        and bool(targets)
        and targets[-1][0] - targets[0][0] == len(targets) - 1
    )


def quick_lines(
    view: MailboxView, targets: Sequence[tuple[int, int]], items: Sequence[FetchAttr]
) -> Iterator[bytes | None]:
    """`* seq FETCH (...)` for each (seq, uid), None for a message that is gone.

    Consume it without awaiting in between: the index's columns follow its
    current snapshot, which another session's catch-up may replace.
    """
    names, template, encoded = _formats(view, items)
    if _is_run(view, targets):
        return _run_lines(view, targets[0][0] - 1, targets[-1][0], names, template, encoded)
    if view.uids is view.index.uids and len(targets) > 1:
        return _picked_lines(view, targets, names, template, encoded)
    return _each_line(view, targets, names, template, encoded)


def _formats(
    view: MailboxView, items: Sequence[FetchAttr]
) -> tuple[list[str], bytes, _EncodedFlags]:
    """The items' names, the line's %-template, and the flag lists encoded as asked for."""
    names = [item.name for item in items]
    template = fetch_template([_PIECES[name] for name in names])
    return names, template, _EncodedFlags(view.index.flag_sets.sets)


def _each_line(
    view: MailboxView,
    targets: Sequence[tuple[int, int]],
    names: list[str],
    template: bytes,
    encoded: _EncodedFlags,
) -> Iterator[bytes | None]:
    """The lines one at a time, for a view behind the index (its positions looked up)."""
    index = view.index
    shared = view.uids is index.uids
    recent = view.recent
    for seq, uid in targets:
        at = seq - 1 if shared else index.position(uid)
        if at < 0:
            yield _ghost_line(view, seq, uid, names, template)
            continue
        values: list[int | bytes] = [seq]
        for name in names:
            if name == "UID":
                values.append(uid)
            elif name == "FLAGS":
                values.append(encoded[index.flag_ids[at], uid in recent])
            elif name == "RFC822.SIZE":
                values.append(index.sizes[at])
            else:
                values.append(index.modseqs[at])
        yield template % tuple(values)


class _EncodedFlags(dict[tuple[int, bool], bytes]):
    """A flag list encoded once per distinct (interned flag set, \\Recent) pair."""

    def __init__(self, flag_sets: Sequence[frozenset[str]]) -> None:
        super().__init__()
        self._sets = flag_sets

    def __missing__(self, key: tuple[int, bool]) -> bytes:
        flags = self[key] = encode_flags(ordered_flags(self._sets[key[0]], key[1]))
        return flags


def _run_lines(
    view: MailboxView,
    start: int,
    end: int,
    names: list[str],
    template: bytes,
    encoded: _EncodedFlags,
) -> Iterator[bytes]:
    """The lines of the messages at positions ``start`` to ``end`` of a view that numbers
    by the index's snapshot: each item a slice of its column."""
    take = itemgetter(slice(start, end))
    seqs = range(start + 1, end + 1)
    return _column_lines(view, seqs, take(view.index.uids), take, names, template, encoded)


def _picked_lines(
    view: MailboxView,
    targets: Sequence[tuple[int, int]],
    names: list[str],
    template: bytes,
    encoded: _EncodedFlags,
) -> Iterator[bytes]:
    """The lines of messages here and there in a view that numbers by the index's
    snapshot (FETCH (CHANGEDSINCE) names what changed): each column's values picked by
    one ``itemgetter`` of their positions (two targets or more, so that it gives a tuple)."""
    seqs, uids = zip(*targets, strict=True)
    take = itemgetter(*map((-1).__add__, seqs))
    return _column_lines(view, seqs, uids, take, names, template, encoded)


def _column_lines(
    view: MailboxView,
    seqs: Iterable[int],
    uids: Sequence[int],
    take: Callable[[Sequence[int]], Iterable[int]],
    names: list[str],
    template: bytes,
    encoded: _EncodedFlags,
) -> Iterator[bytes]:
    """One line a message of ``seqs`` (UIDs ``uids``), each item ``take``n from its index
    column, the lines formatted by ``map`` with no Python code a message (most of a
    whole-mailbox FETCH's time)."""
    index = view.index
    columns: list[Iterable[int | bytes]] = []
    for name in names:
        if name == "UID":
            columns.append(uids)
        elif name == "FLAGS":
            recent = map(view.recent.__contains__, uids) if view.recent else repeat(False)
            keys = zip(take(index.flag_ids), recent, strict=False)
            columns.append(map(encoded.__getitem__, keys))
        elif name == "RFC822.SIZE":
            columns.append(take(index.sizes))
        else:
            columns.append(take(index.modseqs))
    return map(template.__mod__, zip(seqs, *columns, strict=True))


def _ghost_line(
    view: MailboxView, seq: int, uid: int, names: list[str], template: bytes
) -> bytes | None:
    """An expunge this session has not been told of: answered from the index's ghost."""
    if not view.has(uid):
        return None
    try:
        summary = view.summary(uid)
    except KeyError:
        return None
    by_name: dict[str, int | bytes] = {
        "UID": uid,
        "FLAGS": encode_flags(view.flags(uid)),
        "RFC822.SIZE": summary.size,
        "MODSEQ": summary.modseq,
    }
    return template % (seq, *(by_name[name] for name in names))
