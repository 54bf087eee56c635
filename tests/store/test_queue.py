"""The outbound queue and aliases, through the Store Protocol only."""

from __future__ import annotations

from hato.store import INBOX, Delivery, MessageMeta, Outbound, Store
from tests.store.conftest import make_account

CONTENT = b"Subject: hi\r\n\r\nbody\r\n"


async def queue_one(store: Store, *recipients: str, created: int = 100) -> int:
    outbound = Outbound("alice@example.org", recipients, CONTENT, created)
    queued = (await store.deliver_and_queue(CONTENT, MessageMeta(), created, [], outbound)).queue_id
    assert queued is not None
    return queued


async def test_queued_message_is_due_and_listed(store: Store) -> None:
    ident = await queue_one(store, "x@remote.test", "y@remote.test")
    due = await store.queue_due(100, 10)
    assert [(e.message_id, e.recipient) for e in due] == [
        (ident, "x@remote.test"),
        (ident, "y@remote.test"),
    ]
    assert due[0].sender == "alice@example.org"
    assert due[0].size == len(CONTENT)
    assert await store.queue_due(99, 10) == []
    assert await store.queue_content(ident) == CONTENT
    assert len(await store.queue_entries()) == 2


async def test_local_copies_and_queue_commit_together(store: Store) -> None:
    box = await make_account(store, "bob")
    outbound = Outbound("alice@example.org", ("x@remote.test",), CONTENT, 5)
    copies = [Delivery(box.account_id, INBOX, b"X: 1\r\n")]
    ident = (await store.deliver_and_queue(CONTENT, MessageMeta(), 5, copies, outbound)).queue_id
    inbox = await box.get_mailbox(INBOX)
    assert inbox is not None and inbox.messages == 1
    assert ident is not None and await store.queue_content(ident) == CONTENT
    done = await store.deliver_and_queue(CONTENT, MessageMeta(), 5, copies, None)
    assert done.queue_id is None


async def test_defer_done_and_message_removal(store: Store) -> None:
    ident = await queue_one(store, "x@remote.test", "y@remote.test")
    await store.queue_defer(ident, ["x@remote.test"], 500, "451 try later")
    entries = {e.recipient: e for e in await store.queue_entries()}
    assert entries["x@remote.test"].attempts == 1
    assert entries["x@remote.test"].next_attempt == 500
    assert entries["x@remote.test"].last_error == "451 try later"
    await store.queue_done(ident, ["y@remote.test"])
    assert await store.queue_content(ident) == CONTENT
    await store.queue_done(ident, ["x@remote.test"])
    assert await store.queue_content(ident) is None
    assert await store.queue_entries() == []


async def test_retry_and_delete(store: Store) -> None:
    first = await queue_one(store, "x@remote.test")
    second = await queue_one(store, "y@remote.test")
    await store.queue_defer(first, ["x@remote.test"], 900, "down")
    await store.queue_defer(second, ["y@remote.test"], 900, "down")
    assert await store.queue_retry(first, 200) == 1
    assert [e.message_id for e in await store.queue_due(200, 10)] == [first]
    assert await store.queue_retry(None, 300) == 2
    assert await store.queue_delete(first)
    assert not await store.queue_delete(first)
    assert [e.message_id for e in await store.queue_entries()] == [second]


async def test_aliases(store: Store) -> None:
    await store.set_alias("info@example.org", ["bob", "carol@remote.test"])
    await store.set_alias("postmaster", ["alice"])
    assert await store.alias_targets("info@example.org") == ["bob", "carol@remote.test"]
    assert await store.aliases() == {
        "info@example.org": ["bob", "carol@remote.test"],
        "postmaster": ["alice"],
    }
    await store.set_alias("postmaster", ["dave"])
    assert await store.alias_targets("postmaster") == ["dave"]
    assert await store.delete_alias("postmaster")
    assert not await store.delete_alias("postmaster")
    assert await store.alias_targets("postmaster") == []
