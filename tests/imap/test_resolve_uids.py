"""UID sets (UID FETCH, UID STORE, ...): ``resolve`` numbers each UID by its position in
the view, found from the set's runs (``uid_spans``), and answers as a search for each
UID's sequence number would, for every kind of set, over UIDs with gaps."""

from __future__ import annotations

import pytest

from hato.imap.reply import ImapError
from hato.imap.view import open_view
from hato.proto.imap import SequenceSet
from hato.proto.imap._seqset import parse_sequence_set
from hato.proto.imap._tokens import Cursor
from hato.store import Store
from tests.imap.test_mailbox_index import _mailstore

SETS = ["1:*", "*:1", "2:4", "1,3,5", "*", "5:*", "3", "4:6,1:2", "7:9,2", "20:30", "9:*"]


def _parsed(text: str) -> SequenceSet:
    return parse_sequence_set(Cursor(text.encode() + b" "), uid=True)


def test_spans_are_the_runs_of_the_selected_uids() -> None:
    uids = [2, 3, 5, 8, 9, 13]
    assert _parsed("3:8,13,20:*").uid_spans(uids) == [(1, 4), (5, 6)]
    assert _parsed("1").uid_spans(uids) == [(0, 0)]
    assert _parsed("1:*").uid_spans([]) == []
    for text in SETS:
        numbers = _parsed(text)
        runs = [uids[start:end] for start, end in numbers.uid_spans(uids)]
        assert [uid for run in runs for uid in run] == numbers.select_uids(uids), text


async def test_uid_resolve_numbers_each_uid_by_its_place(store: Store) -> None:
    mailstore = await _mailstore(store, 9)
    inbox = await mailstore.get_mailbox("INBOX")
    assert inbox is not None
    await mailstore.expunge(inbox.id, [1, 4, 6])  # gaps: UIDs 2 3 5 7 8 9
    view = await open_view(store, mailstore, "INBOX", False)
    assert list(view.uids) == [2, 3, 5, 7, 8, 9]
    for text in SETS:
        numbers = _parsed(text)
        expected = [(view.seq(uid), uid) for uid in numbers.select_uids(view.uids)]
        assert view.resolve(numbers, True) == expected, text
    assert view.resolve(_parsed("3:7"), True) == [(2, 3), (3, 5), (4, 7)]


async def test_one_number_resolves_as_the_same_number_twice(store: Store) -> None:
    """A set of one number takes a shorter way (what a client reading message after
    message sends); ``n,n`` goes the way of every set: both give the same pairs, and a
    message number beyond the count is BAD both ways."""
    mailstore = await _mailstore(store, 9)
    inbox = await mailstore.get_mailbox("INBOX")
    assert inbox is not None
    await mailstore.expunge(inbox.id, [1, 4, 6])  # UIDs 2 3 5 7 8 9
    view = await open_view(store, mailstore, "INBOX", False)
    for uid in (False, True):
        for number in range(1, 12):
            one, twice = _parsed(str(number)), _parsed(f"{number},{number}")
            if not uid and number > view.count:
                for numbers in (one, twice):
                    with pytest.raises(ImapError, match="Invalid messageset"):
                        view.resolve(numbers, uid)
                continue
            assert view.resolve(one, uid) == view.resolve(twice, uid), (number, uid)
    assert view.resolve(_parsed("4"), False) == [(4, 7)]
    assert view.resolve(_parsed("4"), True) == []  # expunged: no such UID
    assert view.resolve(_parsed("5"), True) == [(3, 5)]
