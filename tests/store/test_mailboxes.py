from __future__ import annotations

import pytest

from hato.store import MailboxError, MailboxExists, NoSuchMailbox, Store
from tests.store.conftest import make_account


async def test_inbox_is_case_insensitive(store: Store) -> None:
    box = await make_account(store, "alice")
    inbox = await box.get_mailbox("inbox")
    assert inbox is not None
    assert inbox.name == "INBOX"
    assert inbox.uidnext == 1
    assert inbox.highestmodseq >= 1
    with pytest.raises(MailboxExists):
        await box.create_mailbox("Inbox")


async def test_create_list_special_use(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.create_mailbox("Sent", special_use="\\Sent", subscribed=True)
    await box.create_mailbox("Archives.2026")
    listed = {m.name: m for m in await box.list_mailboxes()}
    assert set(listed) == {"INBOX", "Sent", "Archives.2026"}
    assert listed["Sent"].special_use == "\\Sent"
    assert listed["Sent"].subscribed
    assert not listed["Archives.2026"].subscribed
    with pytest.raises(MailboxExists):
        await box.create_mailbox("Sent")


async def test_uidvalidity_changes_when_recreated(store: Store) -> None:
    box = await make_account(store, "alice")
    first = await box.create_mailbox("lecture11")
    await box.delete_mailbox("lecture11")
    second = await box.create_mailbox("lecture11")
    assert second.uidvalidity > first.uidvalidity


async def test_inbox_cannot_be_deleted(store: Store) -> None:
    box = await make_account(store, "alice")
    with pytest.raises(MailboxError):
        await box.delete_mailbox("INBOX")
    with pytest.raises(NoSuchMailbox):
        await box.delete_mailbox("nosuch")


async def test_rename_moves_children(store: Store) -> None:
    box = await make_account(store, "alice")
    for name in ("a", "a.b", "a.b.c", "ab"):
        await box.create_mailbox(name)
    await box.rename_mailbox("a", "z")
    names = sorted(m.name for m in await box.list_mailboxes())
    assert names == ["INBOX", "ab", "z", "z.b", "z.b.c"]


async def test_rename_refuses_existing_target(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.create_mailbox("x")
    await box.create_mailbox("y")
    with pytest.raises(MailboxExists):
        await box.rename_mailbox("x", "y")
    with pytest.raises(NoSuchMailbox):
        await box.rename_mailbox("nosuch", "w")


async def test_rename_inbox_moves_mail_and_leaves_empty_inbox(store: Store) -> None:
    from hato.store import MessageMeta

    box = await make_account(store, "alice")
    await box.append("INBOX", b"Subject: x\r\n\r\nbody\r\n", MessageMeta(), 0)
    old_inbox = await box.get_mailbox("INBOX")
    await box.rename_mailbox("INBOX", "Old")
    moved = await box.get_mailbox("Old")
    new_inbox = await box.get_mailbox("INBOX")
    assert moved is not None and new_inbox is not None and old_inbox is not None
    assert moved.messages == 1
    assert moved.uidvalidity == old_inbox.uidvalidity
    assert new_inbox.messages == 0
    assert new_inbox.uidvalidity != old_inbox.uidvalidity


async def test_subscribe(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.create_mailbox("x")
    await box.set_subscribed("x", True)
    mailbox = await box.get_mailbox("x")
    assert mailbox is not None and mailbox.subscribed
    await box.set_subscribed("x", False)
    mailbox = await box.get_mailbox("x")
    assert mailbox is not None and not mailbox.subscribed
