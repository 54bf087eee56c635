"""SQLite-specific: the file survives a reopen and records its schema version."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from hato.store import Credentials, MessageMeta, Outbound, open_store
from hato.store.schema import MIGRATIONS


async def test_reopen_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = open_store(path)
    account = await store.create_account("alice", Credentials("h"))
    box = store.mailstore(account.id)
    await box.create_mailbox("INBOX")
    await box.append("INBOX", b"Subject: x\r\n\r\nx\r\n", MessageMeta(), 5)
    await store.close()
    reopened = open_store(path)
    again = await reopened.get_account("alice")
    assert again is not None
    inbox = await reopened.mailstore(again.id).get_mailbox("INBOX")
    assert inbox is not None and inbox.messages == 1
    await reopened.close()


async def test_a_restart_retries_at_once_what_the_queue_was_sending(tmp_path: Path) -> None:
    """One node owns the file: due entries are not leased, so none waits after a crash."""
    path = tmp_path / "s.sqlite3"
    store = open_store(path)
    body = b"Subject: x\r\n\r\nx\r\n"
    outbound = Outbound("a@example.org", ("r@remote.test",), body, 100)
    await store.deliver_and_queue(body, MessageMeta(), 100, [], outbound)
    assert len(await store.queue_due(100, 10)) == 1
    await store.close()
    reopened = open_store(path)
    assert [entry.recipient for entry in await reopened.queue_due(100, 10)] == ["r@remote.test"]
    await reopened.close()


def test_schema_version_and_wal(tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "s.sqlite3"
    asyncio.run(open_store(path).close())
    conn = sqlite3.connect(path)
    version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert version == MIGRATIONS[-1][0]
    assert mode == "wal"


async def test_a_commit_by_another_process_wakes_the_subscribers(tmp_path: Path) -> None:
    """``hato import`` writes from its own process while ``hato serve`` runs: the server's
    sessions must hear of it (PRAGMA data_version on the writer's connection)."""
    path = tmp_path / "s.sqlite3"
    server, other = open_store(path), open_store(path)
    try:
        account = await server.create_account("alice", Credentials("h"))
        inbox = await server.mailstore(account.id).create_mailbox("INBOX")
        own = server.notifier.subscribe(inbox.id)
        await server.mailstore(account.id).append("INBOX", b"Subject: a\r\n\r\n", MessageMeta(), 1)
        await asyncio.wait_for(own.wait(), 10)  # its own commit, told as always
        await other.mailstore(account.id).append("INBOX", b"Subject: b\r\n\r\n", MessageMeta(), 2)
        await asyncio.wait_for(own.wait(), 10)  # another writer's, found and told
        own.close()
    finally:
        await other.close()
        await server.close()
