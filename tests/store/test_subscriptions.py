"""Subscriptions kept by name, apart from mailboxes (schema v4, RFC 3501 §6.3.6),
on every backend."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import psycopg
import pytest

from hato.store import Credentials, NoSuchMailbox, Store, open_store
from hato.store.notify import account_channel
from tests.store.conftest import BACKENDS, make_account


async def test_subscription_outlives_its_mailbox(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.create_mailbox("lecture")
    await box.set_subscribed("lecture", True)
    await box.delete_mailbox("lecture")
    assert await box.subscriptions() == ["INBOX", "lecture"]
    again = await box.create_mailbox("lecture")
    assert again.subscribed
    await box.delete_mailbox("lecture")
    await box.set_subscribed("lecture", False)
    assert await box.subscriptions() == ["INBOX"]


async def test_only_an_existing_mailbox_can_be_subscribed(store: Store) -> None:
    box = await make_account(store, "alice")
    with pytest.raises(NoSuchMailbox):
        await box.set_subscribed("nowhere", True)
    with pytest.raises(NoSuchMailbox):
        await box.set_subscribed("nowhere", False)
    await box.create_mailbox("here")
    await box.set_subscribed("here", False)  # not subscribed: still fine
    await box.set_subscribed("here", True)
    await box.set_subscribed("here", True)  # twice is once
    assert await box.subscriptions() == ["INBOX", "here"]


async def test_inbox_subscription_is_case_insensitive(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.set_subscribed("inbox", False)
    assert await box.subscriptions() == []
    await box.set_subscribed("Inbox", True)
    assert await box.subscriptions() == ["INBOX"]


async def test_rename_moves_the_subscriptions_below(store: Store) -> None:
    box = await make_account(store, "alice")
    for name in ("a", "a.b", "a.c", "ab", "a.b.gone"):
        await box.create_mailbox(name, subscribed=name != "a.c")
    await box.delete_mailbox("a.b.gone")
    await box.create_mailbox("z", subscribed=False)
    await box.set_subscribed("z", True)
    await box.delete_mailbox("z")  # a stale subscription where "a" lands
    await box.rename_mailbox("a", "z")
    assert await box.subscriptions() == ["INBOX", "ab", "z", "z.b", "z.b.gone"]
    listed = {m.name: m.subscribed for m in await box.list_mailboxes()}
    assert listed == {"INBOX": True, "z": True, "z.b": True, "z.c": False, "ab": True}


async def test_rename_inbox_keeps_both_subscribed(store: Store) -> None:
    box = await make_account(store, "alice")
    await box.rename_mailbox("INBOX", "old-inbox")
    assert await box.subscriptions() == ["INBOX", "old-inbox"]


async def test_subscriptions_are_per_account(store: Store) -> None:
    alice = await make_account(store, "alice")
    bob = await make_account(store, "bob")
    await alice.create_mailbox("x", subscribed=True)
    await alice.delete_mailbox("x")
    assert await bob.subscriptions() == ["INBOX"]
    with pytest.raises(NoSuchMailbox):
        await bob.set_subscribed("x", False)
    assert await alice.subscriptions() == ["INBOX", "x"]


_AS_OF_V3 = [
    "DROP TABLE subscriptions",
    "ALTER TABLE mailboxes ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 0",
    "DELETE FROM schema_version WHERE version IN (4, 5)",  # later ones stay applied
    "UPDATE mailboxes SET subscribed = 1 WHERE name IN ('INBOX', 'kept')",
]


def _back_to_v3_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        for statement in _AS_OF_V3:
            conn.execute(statement)
    conn.close()


def _back_to_v3_postgresql(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in _AS_OF_V3:
            conn.execute(statement)


def _mailbox_columns(path: Path, url: str | None) -> set[str]:
    if url is None:
        with sqlite3.connect(path) as conn:
            found = {row[1] for row in conn.execute("PRAGMA table_info(mailboxes)")}
        conn.close()
        return found
    with psycopg.connect(url) as pg:
        rows = pg.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'mailboxes'"
        )
        return {row[0] for row in rows}


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migration_copies_the_old_flags(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    path = tmp_path / "store.sqlite3"
    store = open_store(path, url)
    account = await store.create_account("alice", Credentials(password_hash="x"))
    for name in ("INBOX", "kept", "other"):
        await store.mailstore(account.id).create_mailbox(name)
    await store.close()
    if url is None:
        _back_to_v3_sqlite(path)
    else:
        _back_to_v3_postgresql(url)
    store = open_store(path, url)
    try:
        box = store.mailstore(account.id)
        assert await box.subscriptions() == ["INBOX", "kept"]
        assert {m.name: m.subscribed for m in await box.list_mailboxes()} == {
            "INBOX": True,
            "kept": True,
            "other": False,
        }
    finally:
        await store.close()
    # Version 5 dropped the flags once version 4 had copied them.
    assert "subscribed" not in _mailbox_columns(path, url)
    assert "uidvalidity" in _mailbox_columns(path, url)


async def test_the_account_channel_tells_of_names_subscriptions_and_annotations(
    store: Store,
) -> None:
    """What IMAP NOTIFY's mailbox events wait on (RFC 5465 §5.4, §5.5): each change of
    the account's mailbox list, subscriptions or annotations wakes its channel."""
    box = await make_account(store, "alice")
    channel = store.notifier.subscribe(account_channel(box.account_id))
    changes = [
        lambda: box.create_mailbox("lecture"),
        lambda: box.set_subscribed("lecture", True),
        lambda: box.set_subscribed("lecture", False),
        lambda: box.rename_mailbox("lecture", "lab"),
        lambda: box.set_metadata(None, {"/private/comment": b"x"}, 10),
        lambda: box.delete_mailbox("lab"),
    ]
    try:
        for change in changes:
            await change()
            async with asyncio.timeout(2):
                await channel.wait()
        inbox = await box.get_mailbox("INBOX")
        assert inbox is not None
        await box.set_metadata(inbox.id, {"/shared/comment": b"y"}, 10)
        assert await box.all_metadata() == {
            (None, "/private/comment"): b"x",
            (inbox.id, "/shared/comment"): b"y",
        }
    finally:
        channel.close()
