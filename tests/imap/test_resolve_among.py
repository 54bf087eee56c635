"""FETCH (CHANGEDSINCE)'s candidates: the index's MODSEQ walk and ``resolve_among``
answer as the whole-set ``resolve`` filtered would, for every kind of set."""

from __future__ import annotations

from hato.imap.view import open_view
from hato.proto.imap import SequenceSet
from hato.proto.imap._seqset import parse_sequence_set
from hato.proto.imap._tokens import Cursor
from hato.store import FlagMode, Store
from tests.imap.test_mailbox_index import _mailstore, _settled

SETS = ["1:*", "*:1", "2:4", "1,3,5", "*", "5:*", "3"]


def _parsed(text: str) -> SequenceSet:
    return parse_sequence_set(Cursor(text.encode() + b" "))


async def test_among_is_the_whole_set_filtered(store: Store) -> None:
    mailstore = await _mailstore(store, 6)
    view = await open_view(store, mailstore, "INBOX", False)
    for text in SETS:
        numbers = _parsed(text)
        for uid in (False, True):
            for candidates in ([2, 3, 6], [1, 2, 3, 4, 5, 6], [5, 99], []):
                expected = [pair for pair in view.resolve(numbers, uid) if pair[1] in candidates]
                assert view.resolve_among(numbers, uid, candidates) == expected, (text, uid)


async def test_changed_since_names_the_messages_above_it(store: Store) -> None:
    mailstore = await _mailstore(store, 6)
    view = await open_view(store, mailstore, "INBOX", False)
    before = view.index.modseq
    await mailstore.store_flags(view.id, [2, 5], ["\\Flagged"], FlagMode.ADD)
    await _settled()
    await view.index.catch_up(mailstore)
    assert view.index.changed_since(before) == [2, 5]
    assert view.index.changed_since(view.index.modseq) == []
    assert view.index.changed_since(0) == [1, 2, 3, 4, 5, 6]
