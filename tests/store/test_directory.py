"""The directory (hato/store/directory.py): what delivery looks up, kept while unchanged.

On both backends: every change delivery must see (an account made, renamed by deletion,
its quota, an alias, a Sieve script, an assignment) gives a new Directory whose answer
shows it, also when another store object (another process, another node) made the
change; what delivery itself writes (messages, vacation records, credentials, the admin
flag) leaves the Directory, and so its kept answers, as they were.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hato.store import Credentials, QuotaLimits, Store, open_store
from hato.store.base import INBOX, Delivery
from hato.store.directory import Addressee
from hato.store.meta import message_meta
from hato.store.scripts import ScriptQuota

from .conftest import make_account

MESSAGE = b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


async def test_accounts_and_their_quota(store: Store) -> None:
    assert await (await store.directory()).addressee("zoe") is None  # kept as "none"
    account = await store.create_account("zoe", Credentials(password_hash="x"))
    zoe = await (await store.directory()).addressee("zoe")
    assert zoe == Addressee(account.id, "zoe", QuotaLimits())
    await store.set_quota("zoe", QuotaLimits(storage=1000))
    zoe = await (await store.directory()).addressee("zoe")
    assert zoe is not None and zoe.limits == QuotaLimits(storage=1000)
    await store.delete_account("zoe")
    assert await (await store.directory()).addressee("zoe") is None


async def test_aliases(store: Store) -> None:
    assert await (await store.directory()).alias_targets("info@example.org") == []
    await store.set_alias("info@example.org", ["bob"])
    assert await (await store.directory()).alias_targets("info@example.org") == ["bob"]
    await store.set_alias("info@example.org", ["carol", "dave"])
    assert await (await store.directory()).alias_targets("info@example.org") == ["carol", "dave"]
    await store.delete_alias("info@example.org")
    assert await (await store.directory()).alias_targets("info@example.org") == []


async def test_sieve_scripts(store: Store) -> None:
    mailstore = await make_account(store, "alice")
    scripts = store.sieve_scripts(mailstore.account_id)
    assert await (await store.directory()).active_script(mailstore.account_id) is None
    await scripts.put("main", "keep;", ScriptQuota())
    await scripts.activate("main")
    directory = await store.directory()
    assert await directory.active_script(mailstore.account_id) == ("main", "keep;")
    await scripts.put("main", "discard;", ScriptQuota())
    directory = await store.directory()
    assert await directory.active_script(mailstore.account_id) == ("main", "discard;")
    await scripts.activate(None)
    assert await (await store.directory()).active_script(mailstore.account_id) is None


async def test_assignments(store: Store) -> None:
    address = "hw1@example.org"
    assert await (await store.directory()).assignments_at([address]) == []
    assignment = await store.add_assignment(address, "Homework 1", int(time.time()), "off")
    assert assignment is not None
    assert await (await store.directory()).assignments_at([address]) == [assignment]
    await store.delete_assignment(assignment.id)
    assert await (await store.directory()).assignments_at([address]) == []


async def test_what_delivery_writes_keeps_the_directory(store: Store) -> None:
    mailstore = await make_account(store, "alice")
    before = await store.directory()
    assert await before.addressee("alice") is not None
    await store.deliver(MESSAGE, message_meta(MESSAGE), 0, [Delivery(mailstore.account_id, INBOX)])
    await store.sieve_scripts(mailstore.account_id).record_reply("h", "x@y.org", 0, 60)
    await store.set_credentials("alice", Credentials(password_hash="y"))
    await store.set_admin("alice", True)
    assert await store.directory() is before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_another_writer_is_seen(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    """A change committed by another store object (a ``hato`` command beside the server,
    another node) is seen by the next ``directory()``, whose kept answers start anew."""
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    server, command = (open_store(tmp_path / "store.sqlite3", url) for _ in range(2))
    try:
        await server.create_account("alice", Credentials(password_hash="x"))
        directory = await server.directory()
        assert await directory.alias_targets("team") == []
        assert await directory.addressee("bob") is None
        await command.set_alias("team", ["alice"])
        bob = await command.create_account("bob", Credentials(password_hash="x"))
        fresh = await server.directory()
        assert fresh is not directory
        assert await fresh.alias_targets("team") == ["alice"]
        assert await fresh.addressee("bob") == Addressee(bob.id, "bob", QuotaLimits())
    finally:
        await server.close()
        await command.close()
