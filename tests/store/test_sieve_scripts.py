"""Sieve scripts per account, one active, quotas, the vacation record: both backends."""

from __future__ import annotations

import asyncio

import pytest

from hato.store import Store
from hato.store.scripts import (
    NoSuchScript,
    ScriptActive,
    ScriptExists,
    ScriptInfo,
    ScriptNameInvalid,
    ScriptQuota,
    ScriptQuotaExceeded,
)
from tests.store.conftest import make_account

QUOTA = ScriptQuota(max_script_size=100, max_scripts=2)


async def test_put_get_list_replace(store: Store) -> None:
    scripts = store.sieve_scripts((await make_account(store, "ann")).account_id)
    assert await scripts.list() == []
    await scripts.put("b", "keep;", QUOTA)
    await scripts.put("a", "discard;", QUOTA)
    await scripts.put("a", "stop;", QUOTA)  # a replacement is not a third script
    assert await scripts.list() == [ScriptInfo("a", False), ScriptInfo("b", False)]
    assert await scripts.get("a") == "stop;"
    assert await scripts.get("c") is None
    assert await scripts.texts() == {"a": "stop;", "b": "keep;"}


async def test_one_active_and_the_active_one_stays(store: Store) -> None:
    scripts = store.sieve_scripts((await make_account(store, "ann")).account_id)
    await scripts.put("a", "keep;", QUOTA)
    await scripts.put("b", "discard;", QUOTA)
    assert await scripts.active() is None
    await scripts.activate("a")
    await scripts.activate("b")
    assert await scripts.active() == ("b", "discard;")
    assert [s.active for s in await scripts.list()] == [False, True]
    with pytest.raises(ScriptActive):
        await scripts.delete("b")
    with pytest.raises(NoSuchScript):
        await scripts.activate("nope")
    assert await scripts.active() == ("b", "discard;")
    await scripts.activate(None)
    assert await scripts.active() is None
    await scripts.delete("b")
    assert [s.name for s in await scripts.list()] == ["a"]
    with pytest.raises(NoSuchScript):
        await scripts.delete("b")


async def test_rename(store: Store) -> None:
    scripts = store.sieve_scripts((await make_account(store, "ann")).account_id)
    await scripts.put("a", "keep;", QUOTA)
    await scripts.put("b", "keep;", QUOTA)
    await scripts.activate("a")
    with pytest.raises(ScriptExists):
        await scripts.rename("a", "b")
    with pytest.raises(NoSuchScript):
        await scripts.rename("zz", "c")
    await scripts.rename("a", "c")
    assert await scripts.active() == ("c", "keep;")


async def test_quotas_and_names(store: Store) -> None:
    scripts = store.sieve_scripts((await make_account(store, "ann")).account_id)
    with pytest.raises(ScriptQuotaExceeded):
        await scripts.put("big", "#" * 101, QUOTA)
    await scripts.put("a", "keep;", QUOTA)
    await scripts.put("b", "keep;", QUOTA)
    with pytest.raises(ScriptQuotaExceeded):
        await scripts.put("c", "keep;", QUOTA)
    for bad in ("", "x" * 129, "a\nb", "a\x00b", "a\u2028b"):
        with pytest.raises(ScriptNameInvalid):
            await scripts.put(bad, "keep;", ScriptQuota())
    assert len(await scripts.list()) == 2


async def test_concurrent_puts_respect_the_count(store: Store) -> None:
    scripts = store.sieve_scripts((await make_account(store, "ann")).account_id)
    outcomes = await asyncio.gather(
        *(scripts.put(f"s{i}", "keep;", QUOTA) for i in range(6)), return_exceptions=True
    )
    assert sum(outcome is None for outcome in outcomes) == 2
    assert len(await scripts.list()) == 2


async def test_accounts_do_not_see_each_others_scripts(store: Store) -> None:
    ann = store.sieve_scripts((await make_account(store, "ann")).account_id)
    bob = store.sieve_scripts((await make_account(store, "bob")).account_id)
    await ann.put("mine", "keep;", QUOTA)
    await ann.activate("mine")
    assert await bob.list() == []
    assert await bob.get("mine") is None
    assert await bob.active() is None
    with pytest.raises(NoSuchScript):
        await bob.activate("mine")
    with pytest.raises(NoSuchScript):
        await bob.delete("mine")


async def test_deleting_the_account_deletes_its_scripts(store: Store) -> None:
    ann = await make_account(store, "ann")
    await store.sieve_scripts(ann.account_id).put("a", "keep;", QUOTA)
    await store.sieve_scripts(ann.account_id).record_reply("h", "x@example.org", 100, 10)
    assert await store.delete_account("ann")
    again = await make_account(store, "ann")
    assert await store.sieve_scripts(again.account_id).list() == []


async def test_vacation_record(store: Store) -> None:
    scripts = store.sieve_scripts((await make_account(store, "ann")).account_id)
    assert await scripts.replies_to("x@example.org") == {}
    await scripts.record_reply("h1", "x@example.org", 1000, 500)
    await scripts.record_reply("h2", "x@example.org", 1100, 500)
    await scripts.record_reply("h1", "x@example.org", 1200, 500)
    await scripts.record_reply("h1", "y@example.org", 1300, 500)
    assert await scripts.replies_to("x@example.org") == {"h1": 1200, "h2": 1100}
    # Rows older than the longest period go when another reply is recorded.
    await scripts.record_reply("h1", "z@example.org", 1650, 500)
    assert await scripts.replies_to("x@example.org") == {"h1": 1200}
