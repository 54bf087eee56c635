"""``hato migrate`` and ``hato store copy --to postgresql://...`` as an operator runs them."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from hato.store import (
    Credentials,
    FlagMode,
    Mailbox,
    MessageMeta,
    MessageSummary,
    Store,
    open_store,
)
from tests.e2e.harness import hato
from tests.pg import Cluster

Snapshot = tuple[list[Mailbox], list[list[MessageSummary]], list[bytes]]


async def _fill(store: Store) -> None:
    for name in ("alice", "bob"):
        account = await store.create_account(name, Credentials("h"))
        box = store.mailstore(account.id)
        inbox = await box.create_mailbox("INBOX", subscribed=True)
        await box.create_mailbox("Archive")
        for n in range(40):
            await box.append(
                "INBOX", b"Subject: %d\r\n\r\nbody %d\r\n" % (n, n % 7), MessageMeta(), n
            )
        await box.store_flags(inbox.id, range(1, 30, 3), ["\\Seen", "$Work"], FlagMode.ADD)
        await box.expunge(inbox.id, [2, 5, 7])
        await box.move(inbox.id, [10, 11], "Archive")
    await store.set_alias("postmaster", ["alice"])


async def _snapshot(store: Store) -> Snapshot:
    boxes: list[Mailbox] = []
    summaries: list[list[MessageSummary]] = []
    bodies: list[bytes] = []
    for account in await store.list_accounts():
        box = store.mailstore(account.id)
        for mailbox in await box.list_mailboxes():
            boxes.append(mailbox)
            summaries.append(await box.messages(mailbox.id))
            contents = await box.read_messages(mailbox.id, [s.uid for s in summaries[-1]])
            bodies.extend(contents[uid] for uid in sorted(contents))
    return [dataclasses.replace(b, id=0) for b in boxes], summaries, bodies


def _run(path: Path, url: str | None, work: object) -> object:
    async def go() -> object:
        store = open_store(path, url)
        try:
            return await work(store)  # type: ignore[operator]
        finally:
            await store.close()

    return asyncio.run(go())


def test_copy_keeps_uidvalidity_uids_flags_and_modseqs(tmp_path: Path, pg_cluster: Cluster) -> None:
    data = tmp_path / "data"
    _run(data / "hato.sqlite3", None, _fill)
    url = pg_cluster.database()
    done = hato("store", "copy", "--to", url, data_dir=data)
    assert done.returncode == 0, done.stderr
    assert "] 204/204 rows" in done.stderr  # 2 of them subscriptions, 37 bodies' text
    assert "hato: messages: 74 copied, 74 in the target" in done.stdout
    assert "hato: verified" in done.stdout
    assert _run(data / "hato.sqlite3", None, _snapshot) == _run(data, url, _snapshot)
    again = hato("store", "copy", "--to", url, data_dir=data)
    assert again.returncode == 1 and "not empty" in again.stderr


def test_copy_then_new_mail_gets_the_next_uid(tmp_path: Path, pg_cluster: Cluster) -> None:
    data = tmp_path / "data"
    _run(data / "hato.sqlite3", None, _fill)
    url = pg_cluster.database()
    assert hato("store", "copy", "--to", url, data_dir=data).returncode == 0

    async def append(store: Store) -> tuple[int, int]:
        account = await store.get_account("alice")
        assert account is not None
        stored = await store.mailstore(account.id).append("INBOX", b"new\r\n", MessageMeta(), 0)
        carol = await store.create_account("carol", Credentials("h"))
        return stored.uid, carol.id

    uid, carol = _run(data, url, append)  # type: ignore[misc]
    assert uid == 41 and carol == 3


def test_migrate_applies_once(tmp_path: Path, pg_cluster: Cluster) -> None:
    url = pg_cluster.database()
    first = hato("migrate", "--store", url, data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "hato: applied migration 1" in first.stdout
    second = hato("migrate", "--store", url, data_dir=tmp_path)
    assert "applied" not in second.stdout and "hato: schema versions 1" in second.stdout
    embedded = hato("migrate", data_dir=tmp_path)
    assert embedded.returncode == 0 and "hato: schema versions 1" in embedded.stdout
