"""SAVEDATE (RFC 8514) on every backend: FETCH SAVEDATE, SEARCH SAVEDBEFORE / SAVEDON /
SAVEDSINCE / SAVEDATESUPPORTED; a copy is saved anew, a message stored before save dates
were kept has its internal date."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hato.store import Delivery, Store
from hato.store.meta import message_meta
from hato.store.sql.tx import Tx
from tests.imap.session_harness import selected_lines
from tests.store.conftest import make_account, store  # noqa: F401 - the fixture
from tests.web.messages import plain

OLD = 1_000_000_000  # 09-Sep-2001 01:46:40 +0000
DELIVERED = 1_600_000_000  # 13-Sep-2020 12:26:40 +0000


async def _two_messages(store: Store) -> None:  # noqa: F811
    """1: saved at OLD; 2: stored before save dates were kept (NULL)."""
    alice = await make_account(store, "alice")
    await alice.create_mailbox("Archive")
    for subject in ("one", "two"):
        raw = plain(subject, "text")
        await store.deliver(raw, message_meta(raw), DELIVERED, [Delivery(alice.account_id)])

    async def age(tx: Tx) -> None:
        await tx.run("UPDATE messages SET save_date = ? WHERE uid = 1", (OLD,))
        await tx.run("UPDATE messages SET save_date = NULL WHERE uid = 2")

    await store._db.write(age)  # type: ignore[attr-defined]


def _today() -> str:
    return datetime.now(UTC).strftime("%d-%b-%Y")


async def test_fetch_savedate(store: Store) -> None:  # noqa: F811
    await _two_messages(store)
    lines = await selected_lines(store, "alice", "f FETCH 1:2 (SAVEDATE)")
    assert '* 1 FETCH (SAVEDATE "09-Sep-2001 01:46:40 +0000")' in lines
    assert '* 2 FETCH (SAVEDATE "13-Sep-2020 12:26:40 +0000")' in lines  # its INTERNALDATE


async def test_search_saved_dates(store: Store) -> None:  # noqa: F811
    await _two_messages(store)
    lines = await selected_lines(
        store,
        "alice",
        "a SEARCH SAVEDBEFORE 1-Jan-2002",
        "b SEARCH SAVEDON 13-Sep-2020",
        "c SEARCH SAVEDSINCE 10-Sep-2001",
        "d SEARCH SAVEDATESUPPORTED",
        "e SEARCH OR SAVEDON 9-Sep-2001 SAVEDON 13-Sep-2020",
        "f SEARCH NOT SAVEDBEFORE 1-Jan-2002",
    )
    searches = [line for line in lines if line.startswith("* SEARCH")]
    assert searches == [
        "* SEARCH 1",
        "* SEARCH 2",
        "* SEARCH 2",
        "* SEARCH 1 2",
        "* SEARCH 1 2",
        "* SEARCH 2",
    ]


async def test_a_copy_is_saved_now(store: Store) -> None:  # noqa: F811
    await _two_messages(store)
    before = int(time.time())
    lines = await selected_lines(
        store,
        "alice",
        "c COPY 1 Archive",
        "x SELECT Archive",
        "f FETCH 1 (SAVEDATE INTERNALDATE)",
        f"t SEARCH SAVEDON {_today()}",
    )
    [fetched] = [line for line in lines if line.startswith("* 1 FETCH")]
    saved = fetched.split('SAVEDATE "')[1].split('"')[0]
    assert datetime.strptime(saved, "%d-%b-%Y %H:%M:%S %z").timestamp() >= before
    assert 'INTERNALDATE "13-Sep-2020 12:26:40 +0000"' in fetched  # kept
    assert "* SEARCH 1" in lines


async def test_bad_saved_dates(store: Store) -> None:  # noqa: F811
    await _two_messages(store)
    lines = await selected_lines(
        store, "alice", "a SEARCH SAVEDON 31-Foo-2020", "b SEARCH SAVEDSINCE"
    )
    assert any(line.startswith("a BAD Error in IMAP command SEARCH: ") for line in lines)
    assert any(line.startswith("b BAD Error in IMAP command SEARCH: ") for line in lines)
