"""PostgreSQL-specific: the store across a database restart and an outage.

A private cluster, stopped and started by the tests. A restart between two
calls costs no call an error (the pooled connections died with the old server;
the first call finds that out at its BEGIN, before anything ran, and runs again
on a fresh connection). While the database is down, calls fail with
``StoreUnavailable`` and the store is known down; a call made a probe interval
after the database is back goes through, on the same store object.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from hato.delivery.filtering import SieveFilter
from hato.delivery.recipients import Recipient
from hato.store import Credentials, StoreUnavailable
from hato.store.postgres import PostgresStore
from tests.pg import Cluster, running_cluster


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[Cluster]:
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
async def store(own_cluster: Cluster, tmp_path: Path) -> AsyncIterator[PostgresStore]:
    opened = PostgresStore(own_cluster.database())
    await opened.open()
    await opened.create_account("alice", Credentials("x"))
    yield opened
    await opened.close()


async def test_a_restart_between_calls_costs_no_call_an_error(
    store: PostgresStore, own_cluster: Cluster
) -> None:
    assert [a.name for a in await store.list_accounts()] == ["alice"]  # a pooled connection
    await asyncio.to_thread(own_cluster.pause)
    await asyncio.to_thread(own_cluster.resume)
    await asyncio.sleep(store.database.availability.probe_interval)  # if it saw the restart
    assert [a.name for a in await store.list_accounts()] == ["alice"]
    await store.create_account("bob", Credentials("y"))
    assert not store.database.availability.down


async def test_calls_fail_while_down_and_work_once_it_is_back(
    store: PostgresStore, own_cluster: Cluster
) -> None:
    await asyncio.to_thread(own_cluster.pause)
    try:
        for _ in range(20):
            with pytest.raises(StoreUnavailable):
                await store.get_account("alice")
        assert store.database.availability.down
        with pytest.raises(StoreUnavailable):
            await store.create_account("bob", Credentials("y"))
    finally:
        await asyncio.to_thread(own_cluster.resume)
    await asyncio.sleep(store.database.availability.probe_interval)
    assert await store.get_account("alice") is not None
    assert not store.database.availability.down
    await store.create_account("bob", Credentials("y"))


async def test_a_statement_that_fails_on_a_live_connection_takes_nothing_down(
    own_cluster: Cluster,
) -> None:
    url = own_cluster.database() + "?options=-c%20lock_timeout%3D200"
    store = PostgresStore(url)
    await store.create_account("alice", Credentials("x"))
    async with await psycopg.AsyncConnection.connect(url) as holder:
        await holder.execute("SELECT 1 FROM accounts WHERE name = 'alice' FOR UPDATE")
        with pytest.raises(StoreUnavailable, match="lock timeout"):
            await store.set_credentials("alice", Credentials("y"))
    assert not store.database.availability.down
    assert await store.set_credentials("alice", Credentials("y"))
    await store.close()


async def test_sieve_at_delivery_passes_an_outage_on(
    store: PostgresStore, own_cluster: Cluster
) -> None:
    """The filter does not keep a copy past its script while the store is down: the outage
    reaches the SMTP reply as a temporary failure, and the script runs on the retry."""
    account = await store.get_account("alice")
    assert account is not None
    sieve = SieveFilter(store, ("example.org",), "mail.test")
    recipient = Recipient("alice@example.org", account.id, "alice")
    directory = await store.directory()  # the envelope's, taken at RCPT: nothing read yet
    await asyncio.to_thread(own_cluster.pause)
    try:
        with pytest.raises(StoreUnavailable):
            message = b"Subject: a\r\n\r\nhi\r\n"
            await sieve.decide(recipient, "x@remote.example", message, directory)
    finally:
        await asyncio.to_thread(own_cluster.resume)
