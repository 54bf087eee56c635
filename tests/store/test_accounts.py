from __future__ import annotations

import pytest

from hato.store import AccountExists, Credentials, Outbound, ScramKeys, Store
from hato.store.meta import message_meta


async def test_create_and_get_account(store: Store) -> None:
    scram = ScramKeys(b"salt", 4096, b"s" * 32, b"k" * 32)
    created = await store.create_account("alice", Credentials("hash", scram, "secret"))
    got = await store.get_account("alice")
    assert got == created
    assert got.credentials.scram == scram
    assert got.credentials.apop_secret == "secret"


async def test_missing_account_is_none(store: Store) -> None:
    assert await store.get_account("nobody") is None


async def test_duplicate_account_refused(store: Store) -> None:
    await store.create_account("alice", Credentials("h"))
    with pytest.raises(AccountExists):
        await store.create_account("alice", Credentials("h2"))


async def test_set_credentials_replaces_all_secrets(store: Store) -> None:
    await store.create_account("bob", Credentials("old", None, "apop"))
    assert await store.set_credentials("bob", Credentials("new"))
    account = await store.get_account("bob")
    assert account is not None
    assert account.credentials == Credentials("new")
    assert not await store.set_credentials("nobody", Credentials("x"))


async def test_list_and_delete_accounts(store: Store) -> None:
    for name in ("carol", "alice", "bob"):
        await store.create_account(name, Credentials("h"))
    assert [a.name for a in await store.list_accounts()] == ["alice", "bob", "carol"]
    assert await store.delete_account("bob")
    assert not await store.delete_account("bob")
    assert [a.name for a in await store.list_accounts()] == ["alice", "carol"]


async def test_admin_flag_set_and_taken(store: Store) -> None:
    await store.create_account("ann", Credentials("h"))
    assert (await store.get_account("ann")).admin is False  # type: ignore[union-attr]
    assert await store.set_admin("ann", True)
    assert (await store.get_account("ann")).admin is True  # type: ignore[union-attr]
    assert [a.admin for a in await store.list_accounts()] == [True]
    assert await store.set_admin("ann", False)
    assert (await store.get_account("ann")).admin is False  # type: ignore[union-attr]
    assert not await store.set_admin("nobody", True)


async def test_one_token_per_account_found_by_its_digest(store: Store) -> None:
    ann = await store.create_account("ann", Credentials("h"))
    await store.create_account("ben", Credentials("h"))
    assert await store.set_token("ann", b"1" * 32)
    assert await store.set_token("ben", b"2" * 32)
    found = await store.account_by_token(b"1" * 32)
    assert found is not None and found.id == ann.id and found.name == "ann"
    assert await store.set_token("ann", b"3" * 32)  # replaces the old one
    assert await store.account_by_token(b"1" * 32) is None
    assert (await store.account_by_token(b"3" * 32)).name == "ann"  # type: ignore[union-attr]
    assert not await store.set_token("nobody", b"4" * 32)
    assert await store.delete_account("ann")  # the token goes with the account
    assert await store.account_by_token(b"3" * 32) is None
    assert (await store.account_by_token(b"2" * 32)).name == "ben"  # type: ignore[union-attr]


async def test_usage_counts_every_mailbox_of_each_account(store: Store) -> None:
    ann = await store.create_account("ann", Credentials("h"))
    await store.create_account("ben", Credentials("h"))
    box = store.mailstore(ann.id)
    for name in ("INBOX", "Archive"):
        await box.create_mailbox(name)
    content = b"Subject: hi\r\n\r\nhello\r\n"
    for name in ("INBOX", "INBOX", "Archive"):
        await box.append(name, content, message_meta(content), 0)
    usage = {u.account.name: (u.messages, u.size) for u in await store.account_usage()}
    assert usage == {"ann": (3, 3 * len(content)), "ben": (0, 0)}


async def test_figures_give_the_store_size_and_the_queue_length(store: Store) -> None:
    before = await store.figures()
    assert before.queue_recipients == 0 and before.size > 0
    outbound = Outbound("a@example.org", ("b@remote.test", "c@remote.test"), b"x\r\n", 0)
    await store.deliver_and_queue(b"x\r\n", message_meta(b"x\r\n"), 0, [], outbound)
    assert (await store.figures()).queue_recipients == 2
