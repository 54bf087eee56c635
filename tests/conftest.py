"""Fixtures shared by every test directory: a throwaway PostgreSQL cluster; the
property tests' settings; and both event loops for the async tests marked ``both_loops``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping

import pytest
from hypothesis import settings

from tests.loops import FACTORIES
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


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]] | None:
    """An async test marked ``both_loops`` runs on asyncio's loop and on uvloop, the one
    ``hato serve`` runs on (tests/loops.py); the others on asyncio's alone."""
    return FACTORIES if item.get_closest_marker("both_loops") is not None else None
