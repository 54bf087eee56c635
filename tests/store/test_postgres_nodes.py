"""PostgreSQL-specific: several stores ("nodes") on one database at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from hato.store import (
    Credentials,
    Delivery,
    FlagMode,
    MessageMeta,
    Outbound,
    Store,
    open_store,
)
from hato.store.postgres import PostgresStore
from hato.store.schema import MIGRATIONS

BODY = b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


@pytest.fixture
async def nodes(pg_url: str, tmp_path: Path) -> AsyncIterator[list[Store]]:
    stores = [open_store(tmp_path / "unused", pg_url) for _ in range(3)]
    yield stores
    for store in stores:
        await store.close()


async def _inbox_owner(store: Store) -> int:
    account = await store.create_account("alice", Credentials("x"))
    await store.mailstore(account.id).create_mailbox("INBOX", subscribed=True)
    return account.id


async def test_appends_from_three_nodes_get_unique_ascending_uids(nodes: list[Store]) -> None:
    owner = await _inbox_owner(nodes[0])

    async def append(node: Store, n: int) -> tuple[int, int]:
        stored = await node.mailstore(owner).append("INBOX", BODY + b"%d" % n, MessageMeta(), 0)
        return stored.uid, stored.modseq

    results = await asyncio.gather(*(append(nodes[n % 3], n) for n in range(150)))
    assert sorted(uid for uid, _ in results) == list(range(1, 151))
    assert len({modseq for _, modseq in results}) == 150
    inbox = await nodes[1].mailstore(owner).get_mailbox("INBOX")
    assert inbox is not None and inbox.messages == 150 and inbox.uidnext == 151


async def test_concurrent_flag_changes_lose_nothing(nodes: list[Store]) -> None:
    owner = await _inbox_owner(nodes[0])
    stored = await nodes[0].deliver(BODY, MessageMeta(), 0, [Delivery(owner)])
    box = stored[0].mailbox_id
    flags = [f"k{n}" for n in range(30)]
    await asyncio.gather(
        *(
            nodes[n % 3].mailstore(owner).store_flags(box, [1], [flag], FlagMode.ADD)
            for n, flag in enumerate(flags)
        )
    )
    (summary,) = await nodes[2].mailstore(owner).messages(box)
    assert summary.flags == frozenset(flags)
    assert summary.modseq == stored[0].modseq + 30


async def test_one_body_shared_by_all_nodes_and_freed_after_the_last_expunge(
    nodes: list[Store],
) -> None:
    owner = await _inbox_owner(nodes[0])
    await asyncio.gather(
        *(nodes[n % 3].deliver(BODY, MessageMeta(), 0, [Delivery(owner)]) for n in range(30))
    )
    assert await nodes[0].blob_count() == 1
    box = await _box(nodes[0], owner)
    uids = [s.uid for s in await nodes[1].mailstore(owner).messages(box)]
    await asyncio.gather(*(nodes[n % 3].mailstore(owner).expunge(box, [n]) for n in uids))
    assert await nodes[0].blob_count() == 0


async def _box(store: Store, owner: int) -> int:
    inbox = await store.mailstore(owner).get_mailbox("INBOX")
    assert inbox is not None
    return inbox.id


async def test_a_change_on_one_node_wakes_a_subscriber_on_another(nodes: list[Store]) -> None:
    owner = await _inbox_owner(nodes[0])
    box = await _box(nodes[1], owner)  # node 1 is open and listening
    subscription = nodes[1].notifier.subscribe(box)
    started = time.monotonic()
    await nodes[0].deliver(BODY, MessageMeta(), 0, [Delivery(owner)])
    async with asyncio.timeout(1):
        await subscription.wait()
    assert time.monotonic() - started < 1
    subscription.close()


async def test_each_due_queue_entry_is_claimed_by_one_node(nodes: list[Store]) -> None:
    for n in range(20):
        outbound = Outbound("a@example.org", (f"r{n}@remote.test",), BODY, 100)
        await nodes[0].deliver_and_queue(BODY, MessageMeta(), 100, [], outbound)
    claims = await asyncio.gather(*(nodes[n % 3].queue_due(100, 4) for n in range(9)))
    claimed = [entry.recipient for claim in claims for entry in claim]
    assert sorted(claimed) == sorted(f"r{n}@remote.test" for n in range(20))
    # Another node takes a claimed entry over once the lease has run out.
    later = await nodes[1].queue_due(100 + 301, 30)
    assert len(later) == 20


async def test_migrations_run_once_from_many_nodes_at_once(pg_cluster: object) -> None:
    from tests.pg import Cluster

    assert isinstance(pg_cluster, Cluster)
    url = pg_cluster.database()
    stores = [PostgresStore(url) for _ in range(4)]
    await asyncio.gather(*(store.database.open() for store in stores))
    for store in stores:
        await store.close()
    with psycopg.connect(url) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
    assert sorted(versions) == sorted(version for version, _ in MIGRATIONS)


async def test_unreachable_database_is_a_temporary_store_error(tmp_path: Path) -> None:
    from hato.store import StoreError

    store = PostgresStore("postgresql://nobody@127.0.0.1:1/none", timeout=0.5)
    with pytest.raises(StoreError):
        await store.get_account("alice")
    await store.close()


async def test_a_database_restart_is_a_temporary_error_then_recovers(tmp_path: Path) -> None:
    from hato.store import StoreError
    from tests.pg import Cluster

    cluster = await asyncio.to_thread(lambda: Cluster().start())
    try:
        store = PostgresStore(await asyncio.to_thread(cluster.database), timeout=1)
        owner = await _inbox_owner(store)
        await store.deliver(BODY, MessageMeta(), 0, [Delivery(owner)])
        await asyncio.to_thread(cluster.pause)
        with pytest.raises(StoreError):
            await store.deliver(BODY + b"2", MessageMeta(), 0, [Delivery(owner)])
        await asyncio.to_thread(cluster.resume)
        for _ in range(50):  # the pool replaces its broken connections by itself
            try:
                await store.deliver(BODY + b"3", MessageMeta(), 0, [Delivery(owner)])
                break
            except StoreError:
                await asyncio.sleep(0.1)
        inbox = await store.mailstore(owner).get_mailbox("INBOX")
        assert inbox is not None and inbox.messages == 2
        await store.close()
    finally:
        await asyncio.to_thread(cluster.stop)
