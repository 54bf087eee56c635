"""Fixtures shared by every test directory: a throwaway PostgreSQL cluster; and the
property tests' settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.pg import Cluster, running_cluster

# Property tests assert what holds, never how fast: hypothesis's default deadline (200 ms
# an example) failed a property test now and then on the shared 2-core machine under load.
settings.register_profile("hato", deadline=None)
settings.load_profile("hato")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One PostgreSQL cluster for the whole run, on a free loopback port."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def pg_template(pg_cluster: Cluster) -> str:
    """The name of a database holding hato's current schema, to copy per test."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from hato.store.postgres import PostgresStore

    url = pg_cluster.database()
    store = PostgresStore(url)

    async def migrate() -> None:
        await store.database.open()
        await store.close()

    # In a thread of its own: the first user may be an async fixture, inside a running loop.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, migrate()).result()
    return url.rsplit("/", 1)[1]


@pytest.fixture
def pg_url(pg_cluster: Cluster, pg_template: str) -> str:
    """A fresh database with the schema, for one test."""
    return pg_cluster.database(template=pg_template)
