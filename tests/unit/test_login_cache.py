"""Remembered logins and the bound on parallel hashes (hato.auth.cache), through the
Authenticator on a real SQLite store: the work is counted in hashes, never timed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hato.auth.authenticator import Authenticator, LoginAttempt
from hato.auth.cache import HashChecks, LoginCache
from hato.auth.passwords import Argon2Params, make_credentials, use_argon2
from hato.auth.throttle import LoginThrottle
from hato.store import Store, open_store

ATTEMPT = LoginAttempt("imap", "LOGIN", "127.0.0.1")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = open_store(tmp_path / "auth.sqlite3")
    yield opened
    await opened.close()


def _authenticator(store: Store, at_once: int = 2) -> Authenticator:
    throttle = LoginThrottle(base=0.001, maximum=0.001)
    cache = LoginCache(ttl=300.0, size=100)
    return Authenticator(store, throttle, cache, HashChecks(at_once))


async def test_a_login_verified_lately_costs_no_hash(store: Store) -> None:
    await store.create_account("amy", make_credentials("right-one"))
    authenticator = _authenticator(store)
    for _ in range(5):
        assert await authenticator.password("amy", "right-one", ATTEMPT) is not None
    assert authenticator.checks.started == 1


async def test_a_wrong_password_is_hashed_every_time_and_never_accepted(store: Store) -> None:
    await store.create_account("amy", make_credentials("right-one"))
    authenticator = _authenticator(store)
    assert await authenticator.password("amy", "right-one", ATTEMPT) is not None
    for _ in range(2):
        assert await authenticator.password("amy", "wrong-one", ATTEMPT) is None
    assert await authenticator.password("AMY", "right-one ", ATTEMPT) is None
    assert authenticator.checks.started == 4  # one per failure: none remembered


async def test_a_password_change_is_seen_at_once(store: Store) -> None:
    await store.create_account("amy", make_credentials("old-one"))
    authenticator = _authenticator(store)
    assert await authenticator.password("amy", "old-one", ATTEMPT) is not None
    await store.set_credentials("amy", make_credentials("new-one"))  # as another node would
    assert await authenticator.password("amy", "old-one", ATTEMPT) is None
    assert await authenticator.password("amy", "new-one", ATTEMPT) is not None
    assert authenticator.checks.started == 3


async def test_at_most_the_configured_hashes_run_at_once(store: Store) -> None:
    names = [f"user{number}" for number in range(8)]
    credentials = make_credentials("same-for-all")
    for name in names:
        await store.create_account(name, credentials)
    authenticator = _authenticator(store, at_once=2)
    logins = [authenticator.password(name, "same-for-all", ATTEMPT) for name in names]
    assert all(account is not None for account in await asyncio.gather(*logins))
    assert authenticator.checks.started == len(names)
    assert authenticator.checks.most_running == 2  # the old code: all 8 at once


def test_the_cache_keeps_no_more_than_its_size_and_forgets_after_its_time() -> None:
    now = [0.0]
    cache = LoginCache(ttl=10.0, size=3, clock=lambda: now[0])
    for number in range(10):
        cache.remember(f"user{number}", "pw", "hash")
    assert len(cache) == 3
    assert cache.knows("user9", "pw", "hash") and not cache.knows("user0", "pw", "hash")
    assert not cache.knows("user9", "pw", "other hash")
    now[0] = 10.0
    assert not cache.knows("user9", "pw", "hash")


def test_the_cache_holds_no_password_in_the_clear() -> None:
    cache = LoginCache(ttl=10.0, size=3)
    cache.remember("amy", "s3cret-words", "$argon2id$stored")
    held = b"".join(cache._expiry)
    assert b"s3cret" not in held and b"amy" not in held and b"argon2" not in held


async def test_a_storm_of_one_accounts_logins_costs_one_hash(store: Store) -> None:
    await store.create_account("amy", make_credentials("right-one"))
    authenticator = _authenticator(store, at_once=1)
    logins = [authenticator.password("amy", "right-one", ATTEMPT) for _ in range(8)]
    assert all(account is not None for account in await asyncio.gather(*logins))
    assert authenticator.checks.started == 1  # the others found it verified in the queue


async def test_hashes_of_other_parameters_are_made_again_within_the_bound(store: Store) -> None:
    names = [f"user{number}" for number in range(6)]
    old = make_credentials("same-for-all")  # today's cost, then a cheaper one configured
    for name in names:
        await store.create_account(name, old)
    use_argon2(Argon2Params(time_cost=1, memory_kib=8192, parallelism=1))
    try:
        authenticator = _authenticator(store, at_once=2)
        logins = [authenticator.password(name, "same-for-all", ATTEMPT) for name in names]
        assert all(account is not None for account in await asyncio.gather(*logins))
        assert authenticator.checks.started == 2 * len(names)  # a check and a new hash each
        assert authenticator.checks.most_running == 2  # the new hashes too
        for name in names:
            account = await store.get_account(name)
            assert account is not None and "$m=8192,t=1,p=1$" in account.credentials.password_hash
        assert await authenticator.password("user0", "same-for-all", ATTEMPT) is not None
        assert authenticator.checks.started == 2 * len(names)  # the new hash was remembered
    finally:
        use_argon2(Argon2Params())
