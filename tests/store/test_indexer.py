"""The server's indexer (hato/server/indexer.py) on both backends: bodies stored
without their text are indexed once deliveries pause, or by the deadline under a load
that never pauses; a failed pass is logged and tried again; a stop is clean."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Sequence

import pytest

from hato.mime import IndexedText, casemap
from hato.server.indexer import Indexer
from hato.store import Delivery, MessageMeta, Store
from hato.store.indexing import index_backlog
from hato.store.meta import message_meta
from tests.store.conftest import make_account


async def _deliver(store: Store, account_id: int, n: int) -> None:
    """One message stored as ``hato serve``'s delivery stores it: without its text."""
    content = f"Subject: {n}\r\n\r\nminutes of meeting {n}\r\n".encode()
    target = Delivery(account_id, "INBOX", b"")
    await store.deliver(content, message_meta(content, index=False), int(time.time()), [target])


async def _waiting(store: Store) -> int:
    stats = await store.index_stats()
    return stats.bodies - stats.indexed


async def _until(store: Store, count: int, limit: float = 20.0) -> None:
    async with asyncio.timeout(limit):
        while True:
            if await _waiting(store) == count:
                return
            await asyncio.sleep(0.05)


async def test_a_burst_waits_for_the_pause_then_is_indexed(store: Store) -> None:
    box = await make_account(store, "alice")
    passes: list[float] = []
    indexer = Indexer(store, quiet=1.0, longest=30.0, done=lambda: passes.append(time.time()))
    indexer.start()
    await asyncio.sleep(0.2)  # its look at start found nothing waiting
    try:
        for n in range(5):
            await _deliver(store, box.account_id, n)
        await asyncio.sleep(0.2)
        assert await _waiting(store) == 5  # still delivering, as far as it knows
        assert not passes
        await _until(store, 0)
    finally:
        await indexer.stop()
    assert len(passes) == 1  # one pass, then told (the server trims its heap then)
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    matches = await box.text_matches(inbox.id, casemap("meeting 3"), header=False)
    assert matches.found == {4} and not matches.unsure


async def test_a_load_that_never_pauses_is_indexed_by_the_deadline(store: Store) -> None:
    box = await make_account(store, "alice")
    indexer = Indexer(store, quiet=0.5, longest=1.0)
    indexer.start()
    try:
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < 3.0:  # one every 0.1 s: never a 0.5 s pause
            await _deliver(store, box.account_id, n)
            n += 1
            await asyncio.sleep(0.1)
        waiting_while_busy = await _waiting(store)
        await _until(store, 0)
    finally:
        await indexer.stop()
    assert waiting_while_busy < n // 2, (waiting_while_busy, n)


async def test_mail_left_waiting_is_indexed_at_start(store: Store) -> None:
    box = await make_account(store, "alice")
    for n in range(3):
        await _deliver(store, box.account_id, n)
    indexer = Indexer(store, quiet=30.0, longest=60.0)  # no delivery needed to start
    indexer.start()
    try:
        await _until(store, 0)
    finally:
        await indexer.stop()


class _FailingOnce:
    """The store, whose first ``index_bodies`` fails as an unreachable database would."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.failures = 1

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def index_bodies(self, parsed: Sequence[tuple[int, MessageMeta | IndexedText]]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the database went away")
        await self._store.index_bodies(parsed)


async def test_a_failed_pass_is_logged_and_tried_again(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    box = await make_account(store, "alice")
    await _deliver(store, box.account_id, 1)
    failing = _FailingOnce(store)
    indexer = Indexer(failing, quiet=0.1, longest=1.0, retry=0.3)  # type: ignore[arg-type]

    def said() -> list[tuple[str, str | None]]:
        return [
            (record.levelname, getattr(record, "hato_fields", {}).get("state"))
            for record in caplog.records
            if record.name == "hato.index"
        ]

    with caplog.at_level(logging.INFO, logger="hato.index"):
        indexer.start()
        try:
            await _until(store, 0)
            async with asyncio.timeout(20):  # the pass ends (and says so) after its write
                while True:
                    if ("INFO", "caught-up") in said():
                        break
                    await asyncio.sleep(0.05)
        finally:
            await indexer.stop()
    assert failing.failures == 0
    assert said() == [
        ("INFO", "catching-up"), ("WARNING", "failed"), ("INFO", "caught-up")
    ], said()  # fmt: skip


async def test_stop_while_a_pass_waits_for_quiet(store: Store) -> None:
    box = await make_account(store, "alice")
    indexer = Indexer(store, quiet=30.0, longest=60.0)
    indexer.start()
    await asyncio.sleep(0.2)  # its look at start found nothing waiting
    await _deliver(store, box.account_id, 1)
    await asyncio.sleep(0.1)
    async with asyncio.timeout(5):
        await indexer.stop()
    assert await _waiting(store) == 1  # left for the next start


async def test_only_the_text_of_what_delivery_stored_is_worked_out(store: Store) -> None:
    """A body stored without its text keeps the header columns delivery stored (the
    indexer parses it for its text alone); its text is indexed."""
    box = await make_account(store, "alice")
    content = b"Subject: Strasse\r\n\r\nminutes of the meeting\r\n"
    meta = message_meta(content, index=False)
    marked = dataclasses.replace(meta.columns, sort_subject="AS DELIVERED")
    target = Delivery(box.account_id, "INBOX", b"")
    await store.deliver(content, dataclasses.replace(meta, columns=marked), 0, [target])
    assert await index_backlog(store) == 1
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    assert [row[1] for row in await box.header_columns(inbox.id, ["sort_subject"])] == [
        "AS DELIVERED"
    ]
    matches = await box.text_matches(inbox.id, casemap("the meeting"), header=False)
    assert matches.found == {1} and not matches.unsure
    assert await _waiting(store) == 0
