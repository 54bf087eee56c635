"""Whole sessions (real SQLite store, no sockets) past the command limits: the
client gets its BAD and the session goes on; QRESYNC's sequence match data is
walked only as far as the mailbox goes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hato.imap import search_eval
from hato.imap.commands import store as store_command
from hato.mime._columns import casemap
from hato.proto.imap._search import MAX_SEARCH_KEYS
from hato.store import Credentials, Store, open_store
from tests.imap.session_harness import session_lines

USER = "limits"


async def _prepared(tmp: Path) -> tuple[Store, int]:
    store = open_store(tmp / "limits.sqlite3")
    account = await store.create_account(USER, Credentials(password_hash="x"))
    mailbox = await store.mailstore(account.id).create_mailbox("INBOX", subscribed=True)
    return store, mailbox.uidvalidity


@pytest.fixture
def prepared(tmp_path: Path) -> Iterator[tuple[Store, int]]:
    store, uidvalidity = asyncio.run(_prepared(tmp_path))
    yield store, uidvalidity
    asyncio.run(store.close())


def session(store: Store, *commands: str) -> list[str]:
    return session_lines(store, USER, *commands)


def test_too_many_search_keys_is_bad_and_the_session_goes_on(
    prepared: tuple[Store, int],
) -> None:
    store, _ = prepared
    keys = " ".join(["ALL"] * (MAX_SEARCH_KEYS + 1))
    lines = session(store, "s SELECT INBOX", f"t1 SEARCH {keys}", "t2 SEARCH ALL")
    assert "t1 BAD Error in IMAP command SEARCH: Too many search keys." in lines
    assert any(line.startswith("t2 OK") for line in lines)


@pytest.mark.timeout(30)
def test_qresync_match_data_is_not_expanded(prepared: tuple[Store, int]) -> None:
    """(1:4294967295 1:4294967295) was made into two lists of four billion numbers."""
    store, uidvalidity = prepared
    everything = "1:4294967295"
    lines = session(
        store,
        "e ENABLE QRESYNC",
        f"s SELECT INBOX (QRESYNC ({uidvalidity} 1 1:* ({everything} {everything})))",
    )
    assert any(line.startswith("s OK [READ-WRITE]") for line in lines), lines


def test_search_strings_are_case_mapped_once_per_search(
    prepared: tuple[Store, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """They went through one cache of 256 shared by every search: a program of 300
    strings mapped each of them again for every message (and the cache kept up to
    256 client strings of up to a mebibyte each)."""
    store, _ = prepared
    words = [f"w{n}" for n in range(300)]
    mapped: list[str] = []

    def counting(value: str) -> str:
        if value in words:
            mapped.append(value)
        return casemap(value)

    monkeypatch.setattr(search_eval, "casemap", counting)
    appends = [f"a{n} APPEND INBOX {{15+}}\r\nSubject: x{n}\r\n\r\n" for n in range(3)]
    program = " ".join(f"NOT SUBJECT {word}" for word in words)
    # TEXT x: every message is a candidate the search reads (BODY zz, which none
    # holds, is answered by the full-text index without reading any)
    lines = session(store, *appends, "s SELECT INBOX", f"t SEARCH {program} TEXT x")
    assert any(line.startswith("* SEARCH 1 2 3") for line in lines)
    assert sorted(mapped) == sorted(words)


def test_keywords_of_a_mailbox_at_the_limit_and_past_it(
    prepared: tuple[Store, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = prepared
    monkeypatch.setattr(store_command, "MAX_KEYWORDS", 3)
    lines = session(
        store,
        "a APPEND INBOX (one) {9+}\r\nSubject:\r\n",
        "s SELECT INBOX",
        "t1 STORE 1 +FLAGS (two THREE \\Seen)",
        "t2 STORE 1 +FLAGS (four)",
        "t3 STORE 1 -FLAGS (One Two)",
        "t4 STORE 1 FLAGS (three)",
    )
    assert any(line.startswith("t1 OK") for line in lines)
    assert "t2 NO [LIMIT] Too many keywords in this mailbox (at most 3)." in lines
    assert any(line.startswith("t3 OK") for line in lines)
    assert any(line.startswith("t4 OK") for line in lines)
    assert "* 1 FETCH (FLAGS (\\Recent three))" in lines
