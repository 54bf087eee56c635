"""IMAP4rev2's LIST (RFC 9051 §7.3.1): a name that is only a parent of mailboxes (an
imported tree can have one) is \\NonExistent to a plain LIST, \\Noselect in IMAP4rev1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hato.store import Credentials, Store, open_store
from tests.imap.session_harness import session_lines

USER = "lister"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    async def prepared() -> Store:
        store = open_store(tmp_path / "list.sqlite3")
        account = await store.create_account(USER, Credentials(password_hash="x"))
        mailstore = store.mailstore(account.id)
        await mailstore.create_mailbox("INBOX", subscribed=True)
        await mailstore.create_mailbox("Archive.2024", subscribed=False)  # no "Archive"
        return store

    store = asyncio.run(prepared())
    yield store
    asyncio.run(store.close())


def test_a_parent_without_a_mailbox(store: Store) -> None:
    rev1 = session_lines(store, USER, 'a LIST "" "Archive"')
    assert '* LIST (\\Noselect \\HasChildren) "." "Archive"' in rev1
    rev2 = session_lines(store, USER, "e ENABLE IMAP4rev2", 'a LIST "" "Archive"')
    assert '* LIST (\\NonExistent \\HasChildren) "." "Archive"' in rev2
