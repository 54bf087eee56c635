"""The shared mailbox index behind selected views (hato.imap.mailbox_index), on a real store.

Sessions of one mailbox share one index and, when up to date, one UID
snapshot; each is told every change once (its own STORE results excepted);
an expunge another session may not report yet stays readable until it does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hato.imap import mailbox_index
from hato.imap.updates import refresh
from hato.imap.view import MailboxView, open_view, registry
from hato.store import Credentials, FlagMode, MessageMeta, Store
from hato.store.base import Mailstore

MESSAGE = b"Subject: hi\r\n\r\nbody\r\n"


async def _mailstore(store: Store, messages: int) -> Mailstore:
    account = await store.create_account("ix", Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    await mailstore.create_mailbox("INBOX")
    for number in range(messages):
        await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_000 + number)
    return mailstore


async def _settled() -> None:
    """Let the notifier's call_soon_threadsafe callbacks run."""
    for _ in range(3):
        await asyncio.sleep(0)


async def _open(store: Store, mailstore: Mailstore, read_only: bool = True) -> MailboxView:
    return await open_view(store, mailstore, "INBOX", read_only)


async def test_views_of_one_mailbox_share_the_index_and_the_snapshot(store: Store) -> None:
    mailstore = await _mailstore(store, 5)
    first, second = await _open(store, mailstore), await _open(store, mailstore)
    assert first.index is second.index
    assert first.uids is second.uids
    assert list(first.uids) == [1, 2, 3, 4, 5]
    assert first.summary(3).size == len(MESSAGE)
    first.close()
    second.close()


async def test_new_mail_is_told_once_and_views_share_again(store: Store) -> None:
    mailstore = await _mailstore(store, 2)
    first, second = await _open(store, mailstore), await _open(store, mailstore)
    await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_100)
    await _settled()
    for view in (first, second):
        changes = await view.changes_since(mailstore)
        assert [s.uid for s in changes.changed] == [3]
        assert view.add(changes.changed, 0) == 1
        assert (await view.changes_since(mailstore)).changed == []
    assert first.uids is second.uids is first.index.uids


async def test_own_store_is_not_reported_back_but_others_are(store: Store) -> None:
    mailstore = await _mailstore(store, 3)
    mine, other = await _open(store, mailstore), await _open(store, mailstore)
    changed = await mailstore.store_flags(mine.id, [2], ["\\Flagged"], FlagMode.ADD)
    mine.update(changed)
    assert "\\Flagged" in mine.summary(2).flags  # visible to its author at once
    await _settled()
    assert (await mine.changes_since(mailstore)).changed == []
    told = await other.changes_since(mailstore)
    assert [(s.uid, "\\Flagged" in s.flags) for s in told.changed] == [(2, True)]
    again = await mailstore.store_flags(mine.id, [2], ["\\Seen"], FlagMode.ADD)
    other.update(again)  # someone else changes it after "mine" did
    await _settled()
    assert [s.uid for s in (await mine.changes_since(mailstore)).changed] == [2]


async def test_unreported_expunge_stays_readable_until_told(store: Store) -> None:
    mailstore = await _mailstore(store, 3)
    slow, quick = await _open(store, mailstore), await _open(store, mailstore)
    await mailstore.expunge(slow.id, [2])
    await _settled()
    changes = await quick.changes_since(mailstore)
    assert changes.expunged == [2]
    assert quick.remove(changes.expunged) == [2]
    assert 2 not in quick.index.uids
    # "slow" has not been told: message 2 keeps its number and its data
    assert slow.seq(2) == 2
    assert slow.summary(2).uid == 2
    slow.pending_expunge.update((await slow.changes_since(mailstore)).expunged)
    assert slow.remove(slow.pending_expunge) == [2]
    assert slow.uids is quick.uids is slow.index.uids  # told everything: shared again
    await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_200)
    await _settled()
    await quick.changes_since(mailstore)
    assert 2 not in quick.index.ghosts  # nobody numbers it any more
    quick.add((await quick.changes_since(mailstore)).changed, 0)
    assert list(quick.uids) == [1, 3, 4] and quick.uids is quick.index.uids
    assert list(slow.uids) == [1, 3]  # not told of message 4 yet: its own numbering


async def test_own_expunge_keeps_a_private_numbering_until_the_index_catches_up(
    store: Store,
) -> None:
    mailstore = await _mailstore(store, 4)
    view = await _open(store, mailstore, read_only=False)
    gone = await mailstore.expunge(view.id, [2, 3])
    assert view.remove(gone) == [3, 2]
    assert list(view.uids) == [1, 4]
    assert view.uids is not view.index.uids  # the index has not seen the expunge yet
    await _settled()
    changes = await view.changes_since(mailstore)
    assert sorted(changes.expunged) == [2, 3]
    assert view.remove(changes.expunged) == []  # already gone from this view
    await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_400)
    await _settled()
    view.add((await view.changes_since(mailstore)).changed, 0)
    assert list(view.uids) == [1, 4, 5]
    assert view.uids is view.index.uids


async def test_a_mailbox_created_again_gets_a_fresh_index(store: Store) -> None:
    mailstore = await _mailstore(store, 2)
    await mailstore.create_mailbox("Box")
    await mailstore.append("Box", MESSAGE, MessageMeta(), 1_700_000_000)
    old = await open_view(store, mailstore, "Box", True)
    old.close()
    await mailstore.delete_mailbox("Box")
    await mailstore.create_mailbox("Box")
    new = await open_view(store, mailstore, "Box", True)
    assert list(new.uids) == []
    assert new.index is not old.index
    new.close()


async def test_the_log_is_trimmed_to_what_live_views_need(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailbox_index, "KEPT_CHANGES", 1)  # the last change, kept for all
    mailstore = await _mailstore(store, 2)
    view = await _open(store, mailstore)
    for _ in range(3):
        await mailstore.store_flags(view.id, [1], ["\\Seen"], FlagMode.REPLACE)
        await mailstore.store_flags(view.id, [1], [], FlagMode.REPLACE)
    await _settled()
    await view.changes_since(mailstore)
    await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_300)
    await _settled()
    await view.changes_since(mailstore)
    assert all(entry.modseq > view.modseq - 1 for entry in view.index.log)
    assert len(view.index.log) <= 1
    view.close()
    assert registry(store) is registry(store)


class CountingClaims:
    """A Mailstore that counts claim_recent calls (each one is a durable write)."""

    def __init__(self, inner: Mailstore) -> None:
        self.inner = inner
        self.claims = 0

    async def claim_recent(self, mailbox_id: int) -> int:
        self.claims += 1
        return await self.inner.claim_recent(mailbox_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_select_writes_recent_only_when_there_is_something_to_claim(store: Store) -> None:
    inner = await _mailstore(store, 3)
    mailstore = CountingClaims(inner)
    first = await open_view(store, mailstore, "INBOX", False)  # type: ignore[arg-type]
    assert (mailstore.claims, first.recent_count) == (1, 3)
    second = await open_view(store, mailstore, "INBOX", False)  # type: ignore[arg-type]
    assert (mailstore.claims, second.recent_count) == (1, 0)  # nothing new: no write
    await inner.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_500)
    third = await open_view(store, mailstore, "INBOX", False)  # type: ignore[arg-type]
    assert (mailstore.claims, third.recent_count) == (2, 1)
    assert third.is_recent(4) and not second.is_recent(4)
    for view in (first, second, third):
        view.close()


async def test_new_mail_is_claimed_recent_once_for_all_the_sessions_told(store: Store) -> None:
    """RFC 3501 §2.3.2: a new message is \\Recent in one session only; 50 sessions told of
    it cost one claim in the store (a durable write), not one each."""
    inner = await _mailstore(store, 1)
    mailstore = CountingClaims(inner)
    views = [await open_view(store, mailstore, "INBOX", False) for _ in range(50)]  # type: ignore[arg-type]
    claims = mailstore.claims
    for round_ in range(2):
        await inner.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_600 + round_)
        await _settled()
        told = [await refresh(mailstore, view, True) for view in views]  # type: ignore[arg-type]
        assert all(b"* %d EXISTS\r\n" % (2 + round_) in lines for lines in told)
        assert sum(view.is_recent(2 + round_) for view in views) == 1
    assert mailstore.claims - claims == 2
    for view in views:
        view.close()


async def test_keywords_only_grow_and_each_view_takes_them_once(store: Store) -> None:
    mailstore = await _mailstore(store, 1)
    one = await open_view(store, mailstore, "INBOX", read_only=False)
    two = await open_view(store, mailstore, "INBOX", read_only=False)
    assert not one.take_keywords() and not two.take_keywords()
    one.update(await mailstore.store_flags(one.id, [1], ["$Work"], FlagMode.ADD))
    one.index.create_keywords(["$work", "$Later", "\\Seen"])  # -FLAGS creates them too
    assert one.index.keywords() == {"$Work", "$Later"}  # one spelling per keyword
    assert two.take_keywords() and two.keywords == {"$Work", "$Later"}
    assert not two.take_keywords()
    one.update(await mailstore.store_flags(one.id, [1], ["$Work"], FlagMode.REMOVE))
    assert one.index.keywords() == {"$Work", "$Later"}  # as Dovecot keeps them
    one.close()
    two.close()
