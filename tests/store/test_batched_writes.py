"""Writes of many messages in one go (sql/values.py, blobs.put_blobs, messages.insert_messages),
on both backends: a batch leaves the store exactly as the same messages one at a time
would, however many statements the parameter limit splits it into, and a body stored
already, or twice in one batch, is stored once."""

from __future__ import annotations

import hashlib

from hato.store import MessageMeta, NewMessage, Store
from hato.store.meta import message_meta
from hato.store.sql.values import PARAMETERS
from tests.store.conftest import make_account

SEEN = frozenset({"\\Seen"})


def content(n: int) -> bytes:
    return f"From: a@example.org\r\nSubject: {n}\r\n\r\nbody {n}\r\n".encode()


def batch(count: int, distinct: int) -> list[NewMessage]:
    """``count`` messages over ``distinct`` bodies, every third one seen, dates apart."""
    return [
        NewMessage(content(n % distinct), message_meta(content(n % distinct)), 1_700_000_000 + n,
                   SEEN if n % 3 == 0 else frozenset())
        for n in range(count)
    ]  # fmt: skip


async def _state(store: Store, name: str) -> tuple[object, ...]:
    """Everything a batch writes, with the mailbox's own HIGHESTMODSEQ taken off (mailboxes
    made at different points start from different values)."""
    box = store.mailstore((await store.get_account("alice")).id)  # type: ignore[union-attr]
    mailbox = await box.get_mailbox(name)
    assert mailbox is not None
    summaries = await box.messages(mailbox.id)
    assert mailbox.highestmodseq == summaries[-1].modseq  # the last change was the last add
    base = summaries[0].modseq - 1
    rows = [(s.uid, s.modseq - base, s.size, s.flags, s.internal_date) for s in summaries]
    bodies = [await box.read_message(mailbox.id, s.uid) for s in summaries]
    counters = (mailbox.uidnext, mailbox.messages, mailbox.unseen, mailbox.highestmodseq - base)
    return rows, bodies, counters


async def test_a_batch_leaves_what_one_at_a_time_leaves(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.create_mailbox("Batch")
    await box.create_mailbox("Single")
    messages = batch(30, 20)
    await box.append_many("Batch", messages)
    for message in messages:
        await box.append(
            "Single", message.content, message.meta, message.internal_date, message.flags
        )
    assert await _state(store, "Batch") == await _state(store, "Single")


async def test_a_batch_past_the_parameter_limit_and_its_copy(store: Store) -> None:
    """Far more rows than one statement may carry (blob_meta has about 20 columns): every
    message stored, in order; a COPY of them all gives ascending UIDs and MODSEQs."""
    count = 3 * PARAMETERS // 10 * 3  # about 900 messages of 3 to 20 columns each
    box = await make_account(store, "alice")
    await box.create_mailbox("Big")
    messages = batch(count, count)
    stored = await box.append_many("Big", messages)
    assert [m.uid for m in stored] == list(range(1, count + 1))
    assert [m.modseq for m in stored] == list(range(stored[0].modseq, stored[0].modseq + count))
    big = await box.get_mailbox("Big")
    assert big is not None and big.messages == count and big.uidnext == count + 1
    assert big.highestmodseq == stored[-1].modseq
    assert big.unseen == sum(1 for m in messages if not m.flags)
    assert await box.read_message(big.id, count) == messages[-1].content
    await box.create_mailbox("Copy")
    pairs = await box.copy(big.id, list(range(1, count + 1)), "Copy")
    assert pairs == [(uid, uid) for uid in range(1, count + 1)]
    assert await _state(store, "Copy") == await _state(store, "Big")
    assert await store.blob_count() == count


async def test_a_body_stored_already_or_twice_in_a_batch_is_stored_once(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.append("INBOX", content(1), message_meta(content(1)), 0)
    await box.append_many("INBOX", batch(6, 3))  # bodies 0, 1 (stored already), 2, each twice
    assert await store.blob_count() == 3
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None and inbox.messages == 7
    bodies = [await box.read_message(inbox.id, uid) for uid in range(1, 8)]
    assert bodies == [content(n) for n in (1, 0, 1, 2, 0, 1, 2)]


async def test_the_parse_gives_the_bodys_key_and_a_meta_without_one_still_works(
    store: Store,
) -> None:
    """``message_meta`` works out the SHA-256 the body is stored under; a MessageMeta made
    without it (an import's message found present, a test's) has the store work it out,
    and the two find the same body."""
    assert message_meta(content(5)).sha256 == hashlib.sha256(content(5)).digest()
    box = await make_account(store, "alice")
    await box.append("INBOX", content(5), MessageMeta(), 0)
    await box.append("INBOX", content(5), message_meta(content(5)), 0)
    assert await store.blob_count() == 1
