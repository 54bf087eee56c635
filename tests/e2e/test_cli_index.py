"""``hato index rebuild`` and ``hato index stats``, run as a user would, over mail
stored before the full-text index existed (bodies with no text row, their sort keys
mapped with the old upper case)."""

from __future__ import annotations

import dataclasses
import imaplib
import smtplib
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from hato.config import ConfigError, config_from_table
from hato.store import Delivery, Mailstore, MessageMeta, Store
from hato.store.meta import message_meta
from tests.e2e.harness import HatoProcess, hato, read_store, store_url

OLD_SUBJECT = "Straße"  # the old mapping's key: "STRASSE"; RFC 5051's: "STRAßE"


def _old_meta(content: bytes) -> MessageMeta:
    """What delivery stored before the index: no text, and the old case mapping."""
    meta = message_meta(content)
    columns = dataclasses.replace(meta.columns, sort_subject=meta.columns.base_subject.upper())
    return dataclasses.replace(meta, columns=columns, text=None)


def _as_before_the_index(data: Path) -> None:
    """Mark the bodies stored without their text as the migration to the index marked
    those stored before it (``whole`` -1): their header columns are worked out again."""
    url = store_url(data)
    if url is None:
        with closing(sqlite3.connect(data / "hato.sqlite3")) as conn, conn:
            conn.execute(_BEFORE_THE_INDEX)
    else:
        with psycopg.connect(url) as pg:
            pg.execute(_BEFORE_THE_INDEX)


_BEFORE_THE_INDEX = "UPDATE blob_text SET whole = -1 WHERE whole = -2"


def _store_old_mail(data: Path, users: dict[str, int]) -> None:
    async def work(store: Store) -> None:
        for user, count in users.items():
            account = await store.get_account(user)
            assert account is not None
            for n in range(count):
                content = f"Subject: {OLD_SUBJECT} {user} {n}\r\n\r\n議事録 {n}\r\n".encode()
                target = Delivery(account.id, "INBOX", b"")
                await store.deliver(content, _old_meta(content), 1_700_000_000, [target])

    read_store(data, work)
    _as_before_the_index(data)


async def _inbox(store: Store, user: str) -> tuple[Mailstore, int]:
    account = await store.get_account(user)
    assert account is not None
    box = store.mailstore(account.id)
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    return box, inbox.id


def _search(data: Path, user: str, key: str) -> tuple[int, int]:
    """(found, unsure) counts of the index's answer for ``key`` in ``user``'s INBOX."""

    async def work(store: Store) -> tuple[int, int]:
        box, inbox = await _inbox(store, user)
        matches = await box.text_matches(inbox, key, header=False)
        return len(matches.found), len(matches.unsure)

    result = read_store(data, work)
    assert isinstance(result, tuple)
    return result


def _sort_keys(data: Path, user: str) -> set[str]:
    async def work(store: Store) -> set[str]:
        box, inbox = await _inbox(store, user)
        rows = await box.header_columns(inbox, ["sort_subject"])
        return {str(row[1]).split(" ")[0] for row in rows}

    result = read_store(data, work)
    assert isinstance(result, set)
    return result


def test_rebuild_indexes_old_mail_and_recomputes_sort_keys(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for user in ("alice", "bob"):
        assert (
            hato("user", "add", user, "--password-stdin", data_dir=data, stdin="pw\n").returncode
            == 0
        )
    _store_old_mail(data, {"alice": 5, "bob": 3})
    assert _search(data, "alice", "議事録") == (0, 5)  # nothing indexed: all read as before
    assert _sort_keys(data, "alice") == {"STRASSE"}

    stats = hato("index", "stats", data_dir=data)
    assert stats.returncode == 0, stats.stderr
    assert "hato: waiting to be indexed: 8" in stats.stdout.splitlines()

    one = hato("index", "rebuild", "--user", "bob", data_dir=data)
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines() == ["hato: indexed 3 messages"]
    assert _search(data, "alice", "議事録") == (0, 5)  # alice's mail waits its turn

    rest = hato("index", "rebuild", data_dir=data)
    assert rest.returncode == 0, rest.stderr
    assert rest.stdout.splitlines() == ["hato: indexed 5 messages"]
    assert "hato: indexing" in rest.stderr  # the progress bar
    assert _search(data, "alice", "議事録") == (5, 0)
    assert _search(data, "alice", "議事録 3") == (1, 0)
    assert _sort_keys(data, "alice") == {"STRAßE"}

    again = hato("index", "rebuild", data_dir=data)  # resumable: nothing left to do
    assert again.stdout.splitlines() == ["hato: indexed 0 messages"]
    after = hato("index", "stats", data_dir=data).stdout.splitlines()
    assert "hato: waiting to be indexed: 0" in after
    assert any(line.startswith("hato: index: ") and "x the text" in line for line in after)


def test_rebuild_of_an_unknown_user_is_an_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = hato("index", "rebuild", "--user", "nobody", data_dir=data)
    assert done.returncode == 1
    assert done.stderr.strip() == "hato: no such user: nobody"


def _index_lines(server: HatoProcess) -> list[str]:
    server.new_output()
    return [line for line in server.output if " index " in line]


def _soon(condition: Callable[[], bool], limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "not within the time limit"
        time.sleep(0.1)


def test_serve_indexes_mail_left_waiting_at_its_start(tmp_path: Path) -> None:
    """Mail from before the index is indexed by ``hato serve`` itself, in the
    background, with a line when it starts and one when it is done."""
    data = tmp_path / "data"
    server = HatoProcess(data, services=("imap",))
    server.add_user("alice", "pw")
    _store_old_mail(data, {"alice": 2})
    server.start()
    try:
        _soon(lambda: _search(data, "alice", "議事録") == (2, 0))
        _soon(lambda: len(_index_lines(server)) == 2)
    finally:
        assert server.stop() == 0
    said = _index_lines(server)
    assert "state=catching-up" in said[0] and "state=caught-up" in said[1], server.output
    assert "indexed=2" in said[1]
    assert _sort_keys(data, "alice") == {"STRAßE"}  # as a rebuild would have
    server = HatoProcess(data, services=("imap",))
    server.start()
    assert server.stop() == 0
    assert not _index_lines(server)  # nothing left waiting: nothing said


def _deliver_three(server: HatoProcess) -> None:
    """Three messages to alice over LMTP: 議事録 in the first and third, minutes in the
    second and third."""
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"]) as lmtp:
        for n, word in enumerate(("議事録", "minutes", "議事録 and minutes")):
            body = f"Subject: {n}\r\n\r\n{word}\r\n".encode()
            lmtp.sendmail("carol@example.net", ["alice@example.org"], body)


def test_delivery_answers_first_and_the_index_follows(tmp_path: Path) -> None:
    """LMTP stores the messages without their text; SEARCH BODY answers exactly
    at once (reading what is not indexed yet), and once the deliveries pause the
    server indexes them: the same answers, now from the index."""
    data = tmp_path / "data"
    server = HatoProcess(data, services=("lmtp", "imap"))
    server.add_user("alice", "alice-pw")
    server.start()
    try:
        _deliver_three(server)
        unsure = _search(data, "alice", "議事録")[1]
        with imaplib.IMAP4("127.0.0.1", server.ports["imap"]) as imap:
            imap.login("alice", "alice-pw")
            imap.select("INBOX")
            assert imap.uid("SEARCH", "BODY", "minutes")[1] == [b"2 3"]
            _soon(lambda: _search(data, "alice", "議事録") == (2, 0))
            assert imap.uid("SEARCH", "BODY", "minutes")[1] == [b"2 3"]
            imap.literal = "議事".encode()  # a two-character key: the stored text
            assert imap.uid("SEARCH", "CHARSET", "UTF-8", "BODY")[1] == [b"1 3"]
    finally:
        assert server.stop() == 0
    assert unsure == 3  # right after the 250s, none was indexed yet
    assert not _index_lines(server)  # indexing what arrives is not news


def test_delivery_without_the_index_keeps_search_exact_until_a_rebuild(tmp_path: Path) -> None:
    """``[search] index = false``: LMTP stores no text (the bodies wait for a rebuild),
    SEARCH BODY answers exactly as with the index, and ``hato index rebuild`` indexes
    them; the server does not warn about mail it was told not to index."""
    data = tmp_path / "data"
    server = HatoProcess(data, services=("lmtp", "imap"), extra_config="[search]\nindex = false\n")
    server.add_user("alice", "alice-pw")
    server.start()
    try:
        _deliver_three(server)
        imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
        imap.login("alice", "alice-pw")
        imap.select("INBOX")
        assert imap.uid("SEARCH", "BODY", "minutes")[1] == [b"2 3"]
        imap.literal = "議事".encode()  # a two-character key: no trigram to look up
        assert imap.uid("SEARCH", "CHARSET", "UTF-8", "BODY")[1] == [b"1 3"]
        imap.logout()
    finally:
        assert server.stop() == 0
    assert _search(data, "alice", "議事録") == (0, 3)  # no text kept: all to be read
    assert not [line for line in server.output if " index " in line]
    assert hato("index", "rebuild", data_dir=data).returncode == 0
    assert _search(data, "alice", "議事録") == (2, 0)


def test_the_search_switch_takes_only_true_or_false() -> None:
    with pytest.raises(ConfigError, match=r"search\.index"):
        config_from_table({"search": {"index": "no"}})
    assert config_from_table({"search": {"index": False}}).search.index is False
