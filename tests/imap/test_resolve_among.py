"""FETCH (CHANGEDSINCE)'s candidates: the index's MODSEQ walk and ``resolve_among``
answer as the whole-set ``resolve`` filtered would, for every kind of set."""

from __future__ import annotations

import pytest

from hato.imap import mailbox_index
from hato.imap.mailbox_index import MailboxIndex
from hato.imap.view import open_view
from hato.proto.imap import SequenceSet
from hato.proto.imap._seqset import parse_sequence_set
from hato.proto.imap._tokens import Cursor
from hato.store import FlagMode, MessageMeta, Store
from tests.imap.test_mailbox_index import MESSAGE, _mailstore, _settled

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


def _walked(index: MailboxIndex, modseq: int) -> list[int]:
    """What a pass over every message answers: the UIDs whose MODSEQ is above ``modseq``."""
    return [uid for uid, seq in zip(index.uids, index.modseqs, strict=True) if seq > modseq]


async def test_changed_since_is_answered_from_the_log_after_the_views_close(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailstore = await _mailstore(store, 6)
    view = await open_view(store, mailstore, "INBOX", False)
    index = view.index
    before = index.modseq
    await mailstore.store_flags(view.id, [2, 5], ["\\Flagged"], FlagMode.ADD)
    await mailstore.store_flags(view.id, [2], ["\\Seen"], FlagMode.ADD)  # 2 twice in the log
    await mailstore.expunge(view.id, [5])
    await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_900)
    await _settled()
    await index.catch_up(mailstore)
    view.close()
    await mailstore.store_flags(view.id, [3], ["\\Answered"], FlagMode.ADD)
    await _settled()
    await index.catch_up(mailstore)  # no live view: the log is kept all the same
    assert index.logged_from == before
    # the walk would not even be tried: a mailbox over the limit asks the log alone
    monkeypatch.setattr(mailbox_index, "SCAN_LIMIT", 0)
    for since in range(before, index.modseq + 1):
        assert index.changed_since(since) == _walked(index, since), since
    assert index.changed_since(before) == [2, 3, 7]  # 5 expunged, 7 new
    assert index.changed_since(before - 1) is None  # older than the log: the store is asked


async def test_a_log_longer_than_kept_is_cut_and_older_questions_walk(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailbox_index, "KEPT_CHANGES", 3)
    mailstore = await _mailstore(store, 6)
    view = await open_view(store, mailstore, "INBOX", False)
    index = view.index
    view.close()
    before = index.modseq
    for uid in range(1, 7):
        await mailstore.store_flags(index.mailbox_id, [uid], ["\\Flagged"], FlagMode.ADD)
        await _settled()
        await index.catch_up(mailstore)
    assert len(index.log) == 3 and index.logged_from == before + 3
    for since in range(before - 1, index.modseq + 1):  # below the cut: the walk answers
        assert index.changed_since(since) == _walked(index, since), since
