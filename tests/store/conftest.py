"""The store suite runs against every backend through the Store Protocol only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hato.store import Credentials, Mailstore, Store, open_store

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    opened = open_store(tmp_path / "store.sqlite3", url)
    yield opened
    await opened.close()


async def make_account(store: Store, name: str) -> Mailstore:
    account = await store.create_account(name, Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    await mailstore.create_mailbox("INBOX", subscribed=True)
    return mailstore
