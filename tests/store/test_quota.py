"""Quota (RFC 9208) in the store, on every backend: limits over the default, usage from the
counters, every adding operation checked in its own transaction, exact under concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hato.store import (
    INBOX,
    Delivery,
    MessageMeta,
    OverQuota,
    QuotaLimits,
    Store,
    open_store,
)
from tests.store.conftest import BACKENDS, make_account

BODY = b"Subject: q\r\n\r\n" + b"x" * 86  # 100 octets


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A store whose configured default is 3 messages (and no storage limit)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    opened = open_store(tmp_path / "store.sqlite3", url, QuotaLimits(messages=3))
    yield opened
    await opened.close()


async def test_usage_comes_from_the_counters_and_limits_from_the_default(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.append(INBOX, BODY, MessageMeta(), 0)
    state = await box.quota()
    assert (state.storage, state.messages) == (100, 1)
    assert state.own == QuotaLimits()
    assert state.limits == QuotaLimits(messages=3)


async def test_an_accounts_own_setting_overrides_the_default(store: Store) -> None:
    box = await make_account(store, "alice")
    assert await store.set_quota("alice", QuotaLimits(storage=1000, messages=0))
    assert (await box.quota()).limits == QuotaLimits(storage=1000, messages=None)
    assert not await store.set_quota("nobody", QuotaLimits())


async def test_append_past_a_limit_adds_nothing(store: Store) -> None:
    box = await make_account(store, "alice")
    await store.set_quota("alice", QuotaLimits(storage=250))
    await box.append(INBOX, BODY, MessageMeta(), 0)
    await box.append(INBOX, BODY, MessageMeta(), 0)
    with pytest.raises(OverQuota) as refused:
        await box.append(INBOX, BODY, MessageMeta(), 0)
    assert refused.value.resource == "STORAGE"
    assert (await box.quota()).messages == 2


async def test_the_message_limit(store: Store) -> None:
    box = await make_account(store, "alice")
    for _ in range(3):
        await box.append(INBOX, BODY, MessageMeta(), 0)
    with pytest.raises(OverQuota) as refused:
        await box.append(INBOX, BODY, MessageMeta(), 0)
    assert refused.value.resource == "MESSAGE"


async def test_delivery_leaves_out_only_the_full_account(store: Store) -> None:
    full = await make_account(store, "full")
    other = await make_account(store, "other")
    for _ in range(3):
        await full.append(INBOX, BODY, MessageMeta(), 0)
    deliveries = [Delivery(full.account_id), Delivery(other.account_id)]
    done = await store.deliver_and_queue(BODY, MessageMeta(), 0, deliveries, None)
    assert done.over_quota == {full.account_id}
    assert (await other.quota()).messages == 1
    assert (await full.quota()).messages == 3
    stored = await store.deliver(BODY, MessageMeta(), 0, deliveries)
    assert [s.account_id for s in stored] == [other.account_id]


async def test_all_copies_of_an_account_fit_or_none_is_kept(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.create_mailbox("Lists")
    await box.append(INBOX, BODY, MessageMeta(), 0)
    copies = [Delivery(box.account_id, INBOX), Delivery(box.account_id, "Lists")]
    await store.deliver(BODY, MessageMeta(), 0, copies)  # 1 + 2 = 3: fits
    assert (await box.quota()).messages == 3
    assert await store.set_quota("alice", QuotaLimits(messages=4))
    assert await store.deliver(BODY, MessageMeta(), 0, copies) == []  # 3 + 2 > 4
    assert (await box.quota()).messages == 3


async def test_copy_counts_and_move_does_not(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.create_mailbox("Archive")
    for _ in range(3):
        await box.append(INBOX, BODY, MessageMeta(), 0)
    inbox = await box.get_mailbox(INBOX)
    assert inbox is not None
    with pytest.raises(OverQuota):
        await box.copy(inbox.id, [1], "Archive")
    assert await box.move(inbox.id, [1, 2], "Archive") == [(1, 1), (2, 2)]
    assert (await box.quota()).messages == 3


async def test_concurrent_deliveries_never_pass_the_limit(store: Store) -> None:
    """Twenty deliveries at once, to two mailboxes (so the mailbox locks alone would not
    order them): exactly the limit's worth is kept."""
    box = await make_account(store, "alice")
    await box.create_mailbox("Other")
    await store.set_quota("alice", QuotaLimits(messages=7))

    async def one(n: int) -> int:
        target = Delivery(box.account_id, INBOX if n % 2 else "Other")
        return len(await store.deliver(BODY + bytes([48 + n % 10]), MessageMeta(), 0, [target]))

    kept = await asyncio.gather(*(one(n) for n in range(20)))
    assert sum(kept) == 7
    assert (await box.quota()).messages == 7
