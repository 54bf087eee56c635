"""An import that keeps another server's UIDVALIDITY and UIDs (sql/kept_uids.py), on both
backends: the UID invariant holds (no UID below UIDNEXT is given again), a second run
changes nothing, and conflicts are refused with their reason."""

from __future__ import annotations

import pytest

from hato.store import MessageMeta, NewMessage, NoSuchMailbox, Store
from hato.store.base import KeptUidMessage, UidValidityConflict
from tests.store.conftest import make_account

VALIDITY = 1_796_422_671


def kept(uid: int, text: str, flags: frozenset[str] = frozenset()) -> KeptUidMessage:
    content = f"Subject: {text}\r\n\r\n{text}\r\n".encode()
    return KeptUidMessage(uid, NewMessage(content, MessageMeta(), 1_577_840_400, flags))


async def test_mailbox_keeps_uidvalidity_uids_and_uidnext(store: Store) -> None:
    box = await make_account(store, "alice")
    archive = await box.import_mailbox("Archive", VALIDITY, None, subscribed=True)
    assert archive.uidvalidity == VALIDITY and archive.subscribed
    seen = frozenset({"\\Seen"})
    done = await box.import_with_uids(archive.id, [kept(7, "b", seen), kept(3, "a")])
    assert done.imported == [3, 7] and done.present == [] and done.refused == []
    await box.raise_uidnext(archive.id, 10)
    await box.raise_uidnext(archive.id, 5)  # never down
    summaries = await box.messages(archive.id)
    assert [(s.uid, s.flags, s.internal_date) for s in summaries] == [
        (3, frozenset(), 1_577_840_400),
        (7, frozenset({"\\Seen"}), 1_577_840_400),
    ]
    after = await box.get_mailbox("Archive")
    assert after is not None and after.uidnext == 10 and after.messages == 2 and after.unseen == 1
    appended = await box.append("Archive", b"Subject: new\r\n\r\n", MessageMeta(), 0)
    assert appended.uid == 10
    assert await box.read_message(archive.id, 3) == b"Subject: a\r\n\r\na\r\n"


async def test_a_second_run_finds_everything_present_and_changes_nothing(store: Store) -> None:
    box = await make_account(store, "alice")
    archive = await box.import_mailbox("Archive", VALIDITY, None, subscribed=False)
    await box.import_with_uids(archive.id, [kept(1, "a"), kept(2, "b")])
    before = await box.get_mailbox("Archive")
    again = await box.import_mailbox("Archive", VALIDITY, None, subscribed=False)
    seen = frozenset({"\\Seen"})
    done = await box.import_with_uids(again.id, [kept(1, "a", seen), kept(2, "b")])
    assert done.present == [1, 2] and done.imported == [] and done.refused == []
    assert await box.get_mailbox("Archive") == before  # flags, MODSEQ, counters untouched


async def test_an_empty_mailbox_takes_the_uidvalidity_one_with_mail_refuses(store: Store) -> None:
    box = await make_account(store, "alice")  # INBOX made with hato's own UIDVALIDITY
    inbox = await box.import_mailbox("INBOX", VALIDITY, "\\Junk", subscribed=False)
    assert inbox.uidvalidity == VALIDITY and inbox.special_use == "\\Junk"
    sent = await box.create_mailbox("Sent")
    await box.append("Sent", b"Subject: x\r\n\r\n", MessageMeta(), 0)
    await box.expunge(sent.id, [1])  # empty again, but UID 1 was given
    with pytest.raises(UidValidityConflict) as refused:
        await box.import_mailbox("Sent", VALIDITY, None, subscribed=False)
    assert refused.value.present == sent.uidvalidity and refused.value.wanted == VALIDITY
    assert "Sent" in str(refused.value)
    recreated = await box.create_mailbox("New")
    assert recreated.uidvalidity > VALIDITY  # the account's counter went past it


async def test_uids_below_uidnext_are_refused_with_their_reason(store: Store) -> None:
    box = await make_account(store, "alice")
    inbox = await box.import_mailbox("INBOX", VALIDITY, None, subscribed=False)
    await box.import_with_uids(inbox.id, [kept(1, "a"), kept(2, "b"), kept(3, "c")])
    await box.expunge(inbox.id, [2])
    done = await box.import_with_uids(
        inbox.id, [kept(2, "b"), kept(3, "other"), kept(5, "e"), kept(5, "e again")]
    )
    assert done.imported == [5]
    assert done.refused == [
        (2, "UID 2 was used before in this mailbox (UIDNEXT is 4)"),
        (3, "UID 3 holds another message"),
        (5, "UID 5 given twice"),
    ]
    assert [s.uid for s in await box.messages(inbox.id)] == [1, 3, 5]


async def test_another_accounts_mailbox_is_out_of_reach(store: Store) -> None:
    alice = await make_account(store, "alice")
    bob = await make_account(store, "bob")
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    with pytest.raises(NoSuchMailbox):
        await bob.import_with_uids(inbox.id, [kept(1, "a")])
    with pytest.raises(NoSuchMailbox):
        await bob.raise_uidnext(inbox.id, 100)
    assert (await alice.get_mailbox("INBOX")) == inbox
