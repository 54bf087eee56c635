"""The IMAP command table: built by a function at start, the only source of handlers and
capabilities a session uses (no registration as modules load)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from hato.imap.commands.table import command_table
from hato.proto import imap as c
from hato.proto.imap import STATE_TABLE
from hato.store import Credentials, Store, open_store
from tests.imap.session_harness import session_lines

USER = "table"
#: What hato listed after login before the table existed (the order of the LOGIN slide).
AFTER_LOGIN = (
    "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND UNSELECT IDLE CHILDREN NAMESPACE UIDPLUS "
    "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH "
    "CONTEXT=SORT LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE "
    "NOTIFY SPECIAL-USE "
    "COMPRESS=DEFLATE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE UNAUTHENTICATE UTF8=ACCEPT "
    "IMAP4rev2 REPLACE OBJECTID URL-PARTIAL CATENATE URLAUTH URLAUTH=BINARY METADATA MULTISEARCH "
    "APPENDLIMIT=4096"
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    async def prepared() -> Store:
        store = open_store(tmp_path / "table.sqlite3")
        account = await store.create_account(USER, Credentials(password_hash="x"))
        await store.mailstore(account.id).create_mailbox("INBOX", subscribed=True)
        return store

    store = asyncio.run(prepared())
    yield store
    asyncio.run(store.close())


def test_every_command_the_state_table_allows_has_a_handler() -> None:
    assert set(command_table().handlers) == set(STATE_TABLE)


def test_each_call_builds_its_own_table() -> None:
    assert command_table().handlers is not command_table().handlers


def test_capabilities_after_login_are_unchanged(store: Store) -> None:
    lines = session_lines(store, USER, "a CAPABILITY")
    assert f"* CAPABILITY {AFTER_LOGIN}" in lines


def test_a_session_runs_and_announces_only_what_its_table_holds(store: Store) -> None:
    full = command_table()
    handlers = {kind: run for kind, run in full.handlers.items() if kind is not c.Move}
    words = tuple(word for word in full.capabilities if word != "MOVE")
    table = dataclasses.replace(full, handlers=handlers, capabilities=words)
    lines = session_lines(
        store, USER, "a CAPABILITY", "s SELECT INBOX", "m MOVE 1 Trash", table=table
    )
    capability = next(line for line in lines if line.startswith("* CAPABILITY"))
    assert "MOVE" not in capability.split()
    assert "m BAD Error in IMAP command MOVE: Unknown command." in lines


def test_classroom_mode_announces_no_objectid() -> None:
    """The lecture's answers are Dovecot 2.3's, which has no OBJECTID (RFC 8474)."""
    assert "OBJECTID" in command_table().capabilities
    assert "OBJECTID" not in command_table(classroom=True).capabilities
