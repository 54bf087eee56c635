"""FETCH answers kept for the same question (hato.imap.fetch_quick.quick_answer on the
index's ``KeptAnswers``): bounded, used only while the index's columns are unchanged,
never for a view whose \\Recent makes its answer its own."""

from __future__ import annotations

import asyncio

import pytest

from hato.imap import fetch_quick
from hato.imap.fetch_quick import quick_answer
from hato.imap.mailbox_index import KeptAnswers
from hato.imap.view import MailboxView, open_view
from hato.proto.imap import FetchAttr
from hato.store import FlagMode, MessageMeta, Store
from hato.store.base import Mailstore
from tests.imap.test_fetch_quick import general_lines, views

FLAGS = [FetchAttr("FLAGS")]
UID_FLAGS_SIZE = [FetchAttr("UID"), FetchAttr("FLAGS"), FetchAttr("RFC822.SIZE")]


@pytest.fixture(autouse=True)
def _short_runs_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mailboxes here hold 7 messages: their answers are kept as a large one's."""
    monkeypatch.setattr(fetch_quick, "KEPT_FROM", 1)


def test_the_kept_answers_stay_within_their_limit() -> None:
    kept = KeptAnswers(limit=1000)
    for number in range(100):
        kept.keep(("answer", number), bytes(90))
        assert kept.size <= 1000
    assert len(kept) == 11 and kept.size == 990
    assert all(kept.get(("answer", number)) is not None for number in range(89, 100))
    assert kept.get(("answer", 88)) is None  # the oldest were dropped
    kept.keep(("large",), bytes(251))  # above a quarter of the limit: not kept
    assert kept.get(("large",)) is None and kept.size == 990


def test_the_least_recently_used_answer_goes_first() -> None:
    kept = KeptAnswers(limit=400)
    for name in "abcd":
        kept.keep(name, bytes(100))
    assert kept.get("a") is not None  # used: now the newest
    kept.keep("e", bytes(100))
    assert kept.get("b") is None
    assert all(kept.get(name) is not None for name in "acde")


async def _mailbox(store: Store) -> tuple[Mailstore, MailboxView]:
    """INBOX with 7 messages (flags and keywords on some), and a view of it without
    \\Recent (the views before took them)."""
    mailstore, _, _ = await views(store)
    view = await open_view(store, mailstore, "INBOX", False)
    assert not view.recent
    return mailstore, view


def _expected(view: MailboxView, items: list[FetchAttr]) -> bytes:
    """The answer the general item path gives for every message of ``view``."""
    return b"".join(general_lines(view, items))


def _answer(view: MailboxView, items: list[FetchAttr]) -> bytes:
    pieces, gone = quick_answer(view, list(enumerate(view.uids, 1)), items)
    assert not gone and len(pieces) == 1
    return pieces[0]


async def _told(view: MailboxView, mailstore: Mailstore) -> None:
    """The view is told what changed, as a session's untagged updates tell it."""
    for _ in range(3):
        await asyncio.sleep(0)
    changes = await view.changes_since(mailstore)
    view.remove(changes.expunged)
    view.add(changes.changed, 0)
    assert view.uids is view.index.uids


async def test_the_same_question_is_answered_with_the_kept_bytes(store: Store) -> None:
    _, view = await _mailbox(store)
    for items in (FLAGS, UID_FLAGS_SIZE):
        first = _answer(view, items)
        assert first == _expected(view, items)
        assert _answer(view, items) is first  # kept, not made again
    assert len(view.index.answers) == 2


async def test_a_change_is_in_the_next_answer(store: Store) -> None:
    """Flags changed by another session, an expunge and new mail: each makes the next
    answer anew, as the general path gives it."""
    mailstore, view = await _mailbox(store)
    before = _answer(view, FLAGS)
    await mailstore.store_flags(view.id, [2, 4], ["\\Flagged", "$Work"], FlagMode.ADD)
    await _told(view, mailstore)
    flagged = _answer(view, FLAGS)
    assert flagged != before and flagged == _expected(view, FLAGS)
    assert b"\\Flagged" in flagged
    await mailstore.expunge(view.id, [3])
    await mailstore.append("INBOX", b"Subject: new\r\n\r\n", MessageMeta(), 1_700_000_100)
    await _told(view, mailstore)
    assert _answer(view, UID_FLAGS_SIZE) == _expected(view, UID_FLAGS_SIZE)
    assert b"UID 3 " not in _answer(view, UID_FLAGS_SIZE)


async def test_a_sessions_own_store_is_in_the_next_answer(store: Store) -> None:
    """STORE's result reaches the shared index at once (``apply_own``), before any
    catch-up: the kept answer must not outlive it."""
    mailstore, view = await _mailbox(store)
    _answer(view, FLAGS)
    changed = await mailstore.store_flags(view.id, [1], ["\\Answered"], FlagMode.ADD)
    view.update(changed)
    assert b"\\Answered" in _answer(view, FLAGS)
    assert _answer(view, FLAGS) == _expected(view, FLAGS)


async def test_a_view_with_recent_gets_its_own_answer(store: Store) -> None:
    mailstore, view = await _mailbox(store)
    _answer(view, FLAGS)  # kept, without \Recent
    await mailstore.append("INBOX", b"Subject: new\r\n\r\n", MessageMeta(), 1_700_000_100)
    await _told(view, mailstore)
    newcomer = await open_view(store, mailstore, "INBOX", False)  # claims the new one
    assert newcomer.recent and newcomer.uids is newcomer.index.uids
    targets = list(enumerate(newcomer.uids, 1))
    pieces, gone = quick_answer(newcomer, targets, FLAGS)
    assert not gone
    assert b"".join(pieces) == _expected(newcomer, FLAGS)
    assert b"\\Recent" in b"".join(pieces)
    assert b"\\Recent" not in _answer(view, FLAGS)


async def test_a_short_run_is_made_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under KEPT_FROM messages an answer is not kept: many small entries would cost more
    memory than the bytes the limit counts."""
    monkeypatch.setattr(fetch_quick, "KEPT_FROM", 8)
    _, view = await _mailbox(store)
    targets = list(enumerate(view.uids, 1))
    for _ in range(2):
        pieces, gone = quick_answer(view, targets, FLAGS)
        assert not gone and b"".join(pieces) == _expected(view, FLAGS)
    assert len(view.index.answers) == 0
