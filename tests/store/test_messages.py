from __future__ import annotations

import asyncio

import pytest

from hato.store import Delivery, FlagMode, MessageMeta, NoSuchMailbox, Store
from tests.store.conftest import make_account

BODY = b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


async def test_delivery_shares_one_blob_between_recipients(store: Store) -> None:
    alice = await make_account(store, "alice")
    bob = await make_account(store, "bob")
    stored = await store.deliver(
        BODY,
        MessageMeta(),
        1_700_000_000,
        [
            Delivery(alice.account_id, prefix=b"Delivered-To: alice\r\n"),
            Delivery(bob.account_id, prefix=b"Delivered-To: bob\r\n"),
        ],
    )
    assert [s.uid for s in stored] == [1, 1]
    assert await store.blob_count() == 1
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    assert await alice.read_message(inbox.id, 1) == b"Delivered-To: alice\r\n" + BODY
    assert stored[0].size == len(b"Delivered-To: alice\r\n" + BODY)
    assert inbox.messages == 1 and inbox.unseen == 1 and inbox.size == stored[0].size
    assert inbox.uidnext == 2


async def test_uids_and_modseqs_ascend(store: Store) -> None:
    box = await make_account(store, "alice")
    results = [await box.append("INBOX", BODY + bytes([n]), MessageMeta(), 0) for n in range(5)]
    assert [r.uid for r in results] == [1, 2, 3, 4, 5]
    modseqs = [r.modseq for r in results]
    assert modseqs == sorted(set(modseqs))


async def test_concurrent_deliveries_get_unique_uids(store: Store) -> None:
    box = await make_account(store, "alice")
    deliveries = [
        store.deliver(BODY + str(n).encode(), MessageMeta(), 0, [Delivery(box.account_id)])
        for n in range(200)
    ]
    stored = await asyncio.gather(*deliveries)
    uids = sorted(s[0].uid for s in stored)
    assert uids == list(range(1, 201))
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None and inbox.messages == 200 and inbox.uidnext == 201


async def test_failed_delivery_does_not_disturb_others(store: Store) -> None:
    box = await make_account(store, "alice")
    good = store.deliver(BODY, MessageMeta(), 0, [Delivery(box.account_id)])
    bad = store.deliver(BODY + b"x", MessageMeta(), 0, [Delivery(box.account_id, "nosuch")])
    results = await asyncio.gather(good, bad, return_exceptions=True)
    assert isinstance(results[1], NoSuchMailbox)
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None and inbox.messages == 1
    assert await store.blob_count() == 1


async def test_flags_replace_add_remove(store: Store) -> None:
    box = await make_account(store, "alice")
    stored = await box.append("INBOX", BODY, MessageMeta(), 0, frozenset({"$Label"}))
    mbox = stored.mailbox_id
    changed = await box.store_flags(mbox, [1], ["\\seen", "Work"], FlagMode.ADD)
    assert changed[0].flags == {"\\Seen", "$Label", "Work"}
    assert changed[0].modseq > stored.modseq
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None and inbox.unseen == 0
    changed = await box.store_flags(mbox, [1], ["\\Seen", "work"], FlagMode.REMOVE)
    assert changed[0].flags == {"$Label"}
    changed = await box.store_flags(mbox, [1], ["\\Flagged"], FlagMode.REPLACE)
    assert changed[0].flags == {"\\Flagged"}
    unchanged = await box.store_flags(mbox, [1], ["\\Flagged"], FlagMode.ADD)
    assert unchanged == []
    assert [m.flags for m in await box.messages(mbox)] == [{"\\Flagged"}]


async def test_recent_is_never_stored(store: Store) -> None:
    box = await make_account(store, "alice")
    stored = await box.append("INBOX", BODY, MessageMeta(), 0, frozenset({"\\Recent"}))
    assert [m.flags for m in await box.messages(stored.mailbox_id)] == [frozenset()]


async def test_expunge_leaves_tombstones_and_frees_blobs(store: Store) -> None:
    box = await make_account(store, "alice")
    for n in range(3):
        await box.append("INBOX", BODY + bytes([n]), MessageMeta(), 0)
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    before = inbox.highestmodseq
    assert await box.expunge(inbox.id, [1, 3, 99]) == [1, 3]
    assert await box.expunged_since(inbox.id, before) == [1, 3]
    assert await box.expunged_since(inbox.id, before + 1) == []
    assert [m.uid for m in await box.messages(inbox.id)] == [2]
    assert await box.read_message(inbox.id, 1) is None
    assert await store.blob_count() == 1
    after = await box.get_mailbox("INBOX")
    assert after is not None
    assert (after.messages, after.unseen, after.highestmodseq > before) == (1, 1, True)
    assert after.uidnext == 4


async def test_other_accounts_mail_is_out_of_reach(store: Store) -> None:
    alice = await make_account(store, "alice")
    mallory = await make_account(store, "mallory")
    stored = await alice.append("INBOX", BODY, MessageMeta(), 0)
    assert await mallory.read_message(stored.mailbox_id, stored.uid) is None
    with pytest.raises(NoSuchMailbox):
        await mallory.messages(stored.mailbox_id)
    with pytest.raises(NoSuchMailbox):
        await mallory.expunge(stored.mailbox_id, [stored.uid])
    with pytest.raises(NoSuchMailbox):
        await mallory.store_flags(stored.mailbox_id, [1], ["\\Deleted"], FlagMode.ADD)
    assert [m.uid for m in await alice.messages(stored.mailbox_id)] == [1]


async def test_deleting_account_frees_its_mail(store: Store) -> None:
    alice = await make_account(store, "alice")
    await alice.append("INBOX", BODY, MessageMeta(), 0)
    assert await store.blob_count() == 1
    await store.delete_account("alice")
    assert await store.blob_count() == 0


async def test_copy_and_move_keep_flags_and_share_bodies(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.create_mailbox("Archive")
    first = await box.append("INBOX", BODY, MessageMeta(), 7, frozenset({"\\Seen", "$Work"}))
    await box.append("INBOX", BODY + b"2", MessageMeta(), 8)
    inbox = first.mailbox_id
    assert await box.copy(inbox, [1, 2, 99], "Archive") == [(1, 1), (2, 2)]
    archive = await box.get_mailbox("Archive")
    assert archive is not None and archive.messages == 2 and archive.unseen == 1
    copied = await box.messages(archive.id)
    assert copied[0].flags == {"\\Seen", "$Work"} and copied[0].internal_date == 7
    assert await store.blob_count() == 2
    assert await box.move(inbox, [2], "Archive") == [(2, 3)]
    assert [m.uid for m in await box.messages(inbox)] == [1]
    with pytest.raises(NoSuchMailbox):
        await box.copy(inbox, [1], "nosuch")


async def test_message_details_carry_prefix_and_structure(store: Store) -> None:
    box = await make_account(store, "alice")
    meta = MessageMeta(structure_json='{"x": 1}')
    stored = await store.deliver(BODY, meta, 9, [Delivery(box.account_id, prefix=b"P: 1\r\n")])
    details = await box.message_details(stored[0].mailbox_id, [1, 5])
    assert len(details) == 1
    assert details[0].prefix == b"P: 1\r\n"
    assert details[0].structure_json == '{"x": 1}'
    assert details[0].summary.size == len(BODY) + 6


async def test_recent_is_claimed_by_one_session(store: Store) -> None:
    box = await make_account(store, "alice")
    stored = await box.append("INBOX", BODY, MessageMeta(), 0)
    assert await box.claim_recent(stored.mailbox_id) == 1
    await box.append("INBOX", BODY + b"2", MessageMeta(), 0)
    assert await box.claim_recent(stored.mailbox_id) == 2
    assert await box.claim_recent(stored.mailbox_id) == 3


async def test_changes_wake_subscribers(store: Store) -> None:
    box = await make_account(store, "alice")
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    subscription = store.notifier.subscribe(inbox.id)
    try:
        await store.deliver(BODY, MessageMeta(), 0, [Delivery(box.account_id)])
        async with asyncio.timeout(2):
            await subscription.wait()
        await box.store_flags(inbox.id, [1], ["\\Seen"], FlagMode.ADD)
        async with asyncio.timeout(2):
            await subscription.wait()
        await box.expunge(inbox.id, [1])
        async with asyncio.timeout(2):
            await subscription.wait()
    finally:
        subscription.close()


async def test_find_by_message_id_stays_in_the_account(store: Store) -> None:
    from hato.mime import HeaderColumns

    alice = await make_account(store, "alice")
    mallory = await make_account(store, "mallory")
    meta = MessageMeta(columns=HeaderColumns(message_id="<m1@example.org>"))
    await store.deliver(BODY, meta, 0, [Delivery(alice.account_id, prefix=b"X: 1\r\n")])
    assert await alice.find_by_message_id(["<m1@example.org>", "<nope@x>"]) == [b"X: 1\r\n" + BODY]
    assert await alice.find_by_message_id([]) == []
    assert await mallory.find_by_message_id(["<m1@example.org>"]) == []


async def test_listing_gives_uids_and_sizes(store: Store) -> None:
    alice = await make_account(store, "alice")
    mallory = await make_account(store, "mallory")
    first = await alice.append("INBOX", BODY, MessageMeta(), 0)
    await alice.append("INBOX", BODY + b"12", MessageMeta(), 0)
    await alice.expunge(first.mailbox_id, [1])
    assert await alice.listing(first.mailbox_id) == [(2, len(BODY) + 2)]
    with pytest.raises(NoSuchMailbox):
        await mallory.listing(first.mailbox_id)
