"""SEARCH FROM/TO/CC/SUBJECT over many messages reads the mailbox's key cache
(hato.imap.sort_cache): one column load, reused while the snapshot holds,
carried over new mail, and the same answer as the uncached path."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from hato.imap.search_eval import BULK, evaluate
from hato.imap.view import open_view
from hato.proto.imap import SearchHeader
from hato.store import Credentials, MessageMeta, Store, open_store
from hato.store.base import Mailstore
from hato.store.meta import message_meta


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = open_store(tmp_path / "search.sqlite3")
    yield opened
    await opened.close()


def _message(sender: str) -> tuple[bytes, MessageMeta]:
    content = f"From: {sender}\r\nSubject: hi\r\n\r\nx\r\n".encode()
    return content, message_meta(content)


class Counting:
    """A Mailstore that counts header_columns queries."""

    def __init__(self, inner: Mailstore) -> None:
        self.inner = inner
        self.column_queries = 0

    async def header_columns(self, mailbox_id: int, names: Sequence[str], min_uid: int = 0) -> Any:
        self.column_queries += 1
        return await self.inner.header_columns(mailbox_id, names, min_uid=min_uid)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_repeated_search_reads_the_columns_once(store: Store) -> None:
    account = await store.create_account("s", Credentials(password_hash="x"))
    inner = store.mailstore(account.id)
    await inner.create_mailbox("INBOX")
    for number in range(BULK + 6):
        sender = "Ärger <rare@example.org>" if number % 7 == 3 else f"u{number}@example.org"
        await inner.append("INBOX", *_message(sender), 1_700_000_000 + number)
    mailstore = Counting(inner)
    view = await open_view(store, mailstore, "INBOX", True)  # type: ignore[arg-type]
    key = SearchHeader("FROM", "ärger")
    pairs = list(enumerate(view.uids, 1))
    first = await evaluate(mailstore, view, key, pairs)  # type: ignore[arg-type]
    again = await evaluate(mailstore, view, key, pairs)  # type: ignore[arg-type]
    assert first == again == [(n + 1, n + 1) for n in range(BULK + 6) if n % 7 == 3]
    assert mailstore.column_queries == 1
    await inner.append(
        "INBOX", *_message("=?utf-8?q?=C3=84RGER?= <new@example.org>"), 1_700_000_900
    )
    for _ in range(3):
        await asyncio.sleep(0)
    view.add((await view.changes_since(inner)).changed, 0)
    found = await evaluate(mailstore, view, key, list(enumerate(view.uids, 1)))  # type: ignore[arg-type]
    assert found[-1] == (view.count, view.uids[-1])
    assert mailstore.column_queries == 2  # only the new message's keys were read
    view.close()
