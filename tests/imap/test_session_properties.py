"""Hypothesis drives whole IMAP sessions, socket-free (tests/imap/session_harness.py).

Whatever the client sends, in whatever pieces: every tagged command gets
exactly one tagged answer (OK, NO or BAD) in order, every line the server
writes ends in CRLF, and the session still answers LOGOUT with BYE and OK.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hato.store import Credentials, Store, open_store
from tests.imap.session_harness import PASSWORD, run_session

USER = "prop"
COMMANDS = [
    "NOOP", "CAPABILITY", "SELECT INBOX", "EXAMINE INBOX", "FETCH 1:* (FLAGS UID)",
    "FETCH 1 BODY[]", "FETCH 1 (ENVELOPE BODYSTRUCTURE)", "STORE 1 +FLAGS (\\Seen)",
    "SEARCH ALL", "SEARCH TEXT hello", "UID SEARCH 1:*", "EXPUNGE", "CLOSE", "UNSELECT",
    'LIST "" "*"', 'LSUB "" "*"', "STATUS INBOX (MESSAGES UIDNEXT)", "CREATE box",
    "DELETE box", "RENAME box box2", "COPY 1 box", "MOVE 1:* box", "CHECK", "NAMESPACE",
    "APPEND INBOX {5+}\r\nhello", "APPEND INBOX (\\Seen) {11+}\r\nSubject: x\r\n",
    "FETCH 1:* (FLAGS", 'SEARCH SUBJECT "x', "FETCH 0 FLAGS", "FETCH 4294967296 FLAGS",
    "FROB", "FETCH 1 BOGUS", "SELECT ../x", "ENABLE CONDSTORE", "ID NIL",
]  # fmt: skip
GARBAGE = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
LINE = st.one_of(st.sampled_from(COMMANDS).map(str.encode), GARBAGE)


async def _prepared(tmp: Path) -> Store:
    store = open_store(tmp / "props.sqlite3")
    account = await store.create_account(USER, Credentials(password_hash="x"))
    await store.mailstore(account.id).create_mailbox("INBOX", subscribed=True)
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = asyncio.run(_prepared(tmp_path_factory.mktemp("props")))
    yield opened
    asyncio.run(opened.close())


def _script(lines: list[bytes]) -> tuple[bytes, list[str]]:
    tags = [f"t{n}" for n in range(len(lines))]
    pairs = zip(tags, lines, strict=True)
    body = b"".join(b"%s %s\r\n" % (tag.encode(), line) for tag, line in pairs)
    login = f"l LOGIN {USER} {PASSWORD}\r\n".encode()
    return login + body + b"z LOGOUT\r\n", ["l", *tags, "z"]


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINE, max_size=12), cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_every_command_is_answered_once_in_order(
    store: Store, lines: list[bytes], cuts: list[int]
) -> None:
    data, tags = _script(lines)
    written = asyncio.run(run_session(store, _cut(data, cuts)))
    assert written.endswith(b"\r\n")
    answered = re.findall(rb"^(\S+) (OK|NO|BAD)\b", written, re.MULTILINE)
    seen = [tag.decode() for tag, _ in answered if tag.decode() in tags]
    # garbage lines may lack a usable tag (answered "* BAD"); every real tag is answered once
    assert seen == [tag for tag in tags if tag in seen]
    assert "l" in seen and seen[-1] == "z"
    assert b"* BYE" in written
    for line in written.split(b"\r\n")[:-1]:
        assert b"\n" not in line or b"{" in written  # literals may hold bare LF


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.sampled_from(COMMANDS[:26]).map(str.encode), max_size=8), data=st.data())
def test_answers_do_not_depend_on_how_the_input_is_cut(
    store: Store, lines: list[bytes], data: st.DataObject
) -> None:
    script, _ = _script([b"SELECT INBOX", *lines])
    cuts = data.draw(st.lists(st.integers(min_value=0), max_size=10))
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        whole = asyncio.run(_fresh_session(Path(one), [script]))
        pieces = asyncio.run(_fresh_session(Path(two), _cut(script, cuts)))
    assert _shape(whole) == _shape(pieces)


async def _fresh_session(tmp: Path, chunks: list[bytes]) -> bytes:
    store = await _prepared(tmp)
    try:
        return await run_session(store, chunks)
    finally:
        await store.close()


def _shape(written: bytes) -> list[bytes]:
    """Tagged statuses in order (UIDVALIDITY and dates differ between stores)."""
    return re.findall(rb"^(?:l|t\d+|z) (?:OK|NO|BAD)", written, re.MULTILINE)
