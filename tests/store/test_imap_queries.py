"""The store calls IMAP sessions use: changes since a MODSEQ, bodies in bulk,
MULTIAPPEND in one transaction, INTERNALDATE zones."""

from __future__ import annotations

import pytest

from hato.store import FlagMode, MessageMeta, NewMessage, NoSuchMailbox, Store
from tests.store.conftest import make_account

BODY = b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


async def test_changes_since_reports_new_changed_and_expunged(store: Store) -> None:
    box = await make_account(store, "alice")
    for n in range(3):
        await box.append("INBOX", BODY + bytes([65 + n]), MessageMeta(), 0)
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    start = inbox.highestmodseq
    assert (await box.changes_since(inbox.id, start)).changed == []
    await box.store_flags(inbox.id, [2], ["\\Seen"], FlagMode.ADD)
    await box.expunge(inbox.id, [1])
    await box.append("INBOX", BODY, MessageMeta(), 0)
    changes = await box.changes_since(inbox.id, start)
    assert [m.uid for m in changes.changed] == [2, 4]
    assert "\\Seen" in changes.changed[0].flags
    assert changes.expunged == [1]
    assert changes.uidnext == 5
    assert changes.highestmodseq > start
    later = await box.changes_since(inbox.id, changes.highestmodseq)
    assert later.changed == [] and later.expunged == []


async def test_read_messages_returns_prefix_and_body(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.append("INBOX", BODY, MessageMeta(), 0)
    await box.append("INBOX", BODY + b"x", MessageMeta(), 0)
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    found = await box.read_messages(inbox.id, [1, 2, 9])
    assert found == {1: BODY, 2: BODY + b"x"}
    # one message alone takes the one-row statement: the same answers
    assert await box.read_messages(inbox.id, [2]) == {2: BODY + b"x"}
    assert await box.read_messages(inbox.id, [9]) == {}


async def test_changes_since_is_scoped_to_the_account(store: Store) -> None:
    alice = await make_account(store, "alice")
    bob = await make_account(store, "bob")
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    with pytest.raises(NoSuchMailbox):
        await bob.changes_since(inbox.id, 0)
    assert await bob.read_messages(inbox.id, [1]) == {}


async def test_append_many_is_one_transaction_with_zones(store: Store) -> None:
    box = await make_account(store, "alice")
    new = [
        NewMessage(BODY, MessageMeta(), 100, frozenset({"\\Seen"}), internal_tz=120),
        NewMessage(BODY + b"2", MessageMeta(), 200),
        NewMessage(BODY + b"3", MessageMeta(), 300, internal_tz=-300),
    ]
    stored = await box.append_many("INBOX", new)
    assert [m.uid for m in stored] == [1, 2, 3]
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None and inbox.messages == 3 and inbox.unseen == 2
    assert await box.internal_zones(inbox.id, [1, 2, 3, 9]) == {1: 120, 3: -300}
    summaries = await box.messages(inbox.id)
    assert [m.internal_date for m in summaries] == [100, 200, 300]


async def test_append_many_to_a_missing_mailbox_stores_nothing(store: Store) -> None:
    box = await make_account(store, "alice")
    with pytest.raises(NoSuchMailbox):
        await box.append_many("Nope", [NewMessage(BODY, MessageMeta(), 0)])
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None and inbox.messages == 0 and inbox.uidnext == 1
