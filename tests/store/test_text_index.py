"""The full-text index (hato/store/sql/text.py) on both backends: it only narrows, so
SEARCH BODY and TEXT answer exactly as without it, for every key; and the claims
about SQLite's trigram tokenizer and PostgreSQL's pg_trgm that its design rests on."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import time
from pathlib import Path

import psycopg
import pytest

from hato.mime import decoded_text, parse_message
from hato.mime._text import TEXT_LIMIT
from hato.store import Account, Delivery, Mailstore, Store, open_store
from hato.store.meta import message_meta
from tests.imap.session_harness import PASSWORD, run_session
from tests.pg import Cluster
from tests.store.conftest import make_account
from tests.store.text_corpus import corpus, keys

PREFIX = (
    b"Return-Path: <kan@example.jp>\r\nDelivered-To: all@example.org\r\n"
    b"Received: from mx.example.jp by hato with LMTP; Fri, 4 Dec 2026 10:00:00 +0000\r\n"
)
MESSAGES = corpus(36)


async def _fill(store: Store, name: str, indexed: bool) -> Mailstore:
    """An account holding the corpus, its bodies indexed or (stored as before the index
    existed) not. Each copy's body differs from the other account's by one letter's
    case in a header of its own, so the two do not share stored bodies."""
    mailstore = await make_account(store, name)
    mark = b"X-Copy: a\r\n" if indexed else b"X-Copy: A\r\n"
    for content in MESSAGES:
        body = mark + content
        meta = message_meta(body)
        if not indexed:
            meta = dataclasses.replace(meta, text=None)
        target = Delivery(mailstore.account_id, "INBOX", PREFIX)
        await store.deliver(body, meta, int(time.time()), [target])
    return mailstore


def _search(key: str, where: str, tag: int) -> bytes:
    data = key.encode()
    return f"t{tag} UID SEARCH CHARSET UTF-8 {where} {{{len(data)}+}}\r\n".encode() + data + b"\r\n"


async def _answers(store: Store, user: str, wanted: list[str]) -> list[str]:
    """The SEARCH lines and tagged results for each key, BODY then TEXT."""
    lines: list[str] = []
    for start in range(0, len(wanted), 60):  # sessions short enough for the harness's timeout
        script = f"l LOGIN {user} {PASSWORD}\r\ns SELECT INBOX\r\n".encode()
        for n, key in enumerate(wanted[start : start + 60]):
            script += _search(key, "BODY", 2 * n) + _search(key, "TEXT", 2 * n + 1)
        written = await run_session(store, [script + b"z LOGOUT\r\n"], max_line=65536)
        for line in written.decode("utf-8", "replace").split("\r\n"):
            if line.startswith(("* SEARCH", "t")):
                lines.append(line)
    return lines


async def test_indexed_search_answers_as_the_unindexed_one(store: Store) -> None:
    indexed = await _fill(store, "indexed", True)
    plain = await _fill(store, "plain", False)
    inbox = await indexed.get_mailbox("INBOX")
    assert inbox is not None
    # the index holds the first account's bodies whole, none of the second's
    assert not (await indexed.text_matches(inbox.id, "X", False)).unsure
    plain_inbox = await plain.get_mailbox("INBOX")
    assert plain_inbox is not None
    assert len((await plain.text_matches(plain_inbox.id, "X", False)).unsure) == len(MESSAGES)

    texts = ["".join(decoded_text(m, parse_message(m), header=True)) for m in MESSAGES]
    wanted = keys(texts, 400)
    found = await _answers(store, "indexed", wanted)
    expected = await _answers(store, "plain", wanted)
    assert found == expected
    hits = [line for line in found if line.startswith("* SEARCH ")]
    assert len(hits) > len(wanted) // 2  # most keys are found somewhere: the test can fail


# stored case-mapped: "... SOFIA AND ΣΟΦΙΑ 議事録"
CLAIMS = "Subject: claims\r\n\r\nHello world, sofia and σοφια 議事録\r\n".encode()


async def _claims_store(store: Store) -> int:
    mailstore = await make_account(store, "claims")
    await store.deliver(CLAIMS, message_meta(CLAIMS), 0, [Delivery(mailstore.account_id)])
    inbox = await mailstore.get_mailbox("INBOX")
    assert inbox is not None
    return inbox.id


async def test_what_sqlite_trigram_tokenizer_does(tmp_path: Path) -> None:
    """The claims the design rests on, asked of the store's own FTS5 table: MATCH folds
    case (Unicode too), finds nothing for a string under three characters whatever the
    text holds, and LIKE on the table folds ASCII only."""
    store = open_store(tmp_path / "claims.sqlite3")
    try:
        await _claims_store(store)
    finally:
        await store.close()
    conn = sqlite3.connect(tmp_path / "claims.sqlite3")
    try:

        def match(query: str) -> bool:
            sql = "SELECT rowid FROM blob_text_index WHERE blob_text_index MATCH ?"
            return bool(conn.execute(sql, (query,)).fetchall())

        def like(pattern: str) -> bool:
            sql = "SELECT rowid FROM blob_text_index WHERE words LIKE ?"
            return bool(conn.execute(sql, (pattern,)).fetchall())

        assert match('"議事録"') and match('"hel"') and match('"σοφ"')  # case folded
        assert not match('"議事"') and not match('"事"')  # under a trigram: nothing
        assert like("%hello%")  # LIKE folds ASCII ...
        assert not like("%σοφια%")  # ... but not σ/Σ
        assert like("%ΣΟΦΙΑ%")
    finally:
        conn.close()


async def test_short_keys_scan_the_stored_text(store: Store) -> None:
    mailstore = store.mailstore((await _account(store)).id)
    inbox = await mailstore.get_mailbox("INBOX")
    assert inbox is not None
    for key in ("議事", "議", "ΣΟ", "A"):
        assert (await mailstore.text_matches(inbox.id, key, header=False)).found == {1}, key
    assert not (await mailstore.text_matches(inbox.id, "事議", header=False)).found


async def test_a_body_shared_by_accounts_is_found_in_the_asking_mailbox_only(
    store: Store,
) -> None:
    """One delivery to two accounts stores one body: the index's match leads to both
    accounts' messages, and each mailbox gets its own UID, never the other's."""
    alice, bob = await make_account(store, "alice"), await make_account(store, "bob")
    raw = b"Subject: shared\r\n\r\nthe quetzalcoatl lives here\r\n"
    for number, mailstore in enumerate((alice, bob)):  # UID 1 each: bodies of their own
        own = b"Subject: own %d\r\n\r\nnothing\r\n" % number
        await store.deliver(
            own, message_meta(own), int(time.time()), [Delivery(mailstore.account_id)]
        )
    both = [Delivery(alice.account_id), Delivery(bob.account_id)]
    await store.deliver(raw, message_meta(raw), int(time.time()), both)  # one body, UID 2 each
    for mailstore, uid in ((alice, 2), (bob, 2)):
        inbox = await mailstore.get_mailbox("INBOX")
        assert inbox is not None
        assert (await mailstore.text_matches(inbox.id, "QUETZALCOATL", header=False)).found == {uid}


async def _account(store: Store) -> Account:
    await _claims_store(store)
    account = await store.get_account("claims")
    assert account is not None
    return account


def test_what_pg_trgm_does_under_each_ctype(pg_cluster: Cluster, pg_template: str) -> None:
    """pg_trgm makes trigrams of Japanese text only under a UTF-8 LC_CTYPE (the test
    cluster's, C.UTF-8); under C it makes none, and ``index_stats`` says so. The
    answers are the same either way: LIKE checks what the index lets through."""
    utf8 = pg_cluster.database(template=pg_template)
    with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE hato_ctype_c TEMPLATE template0 LC_CTYPE 'C'")
    c_ctype = pg_cluster.url("hato_ctype_c")

    async def check(url: str) -> tuple[bool, frozenset[int]]:
        store = open_store(Path("unused"), url)
        try:
            inbox = await _claims_store(store)
            account = await store.get_account("claims")
            assert account is not None
            found = await store.mailstore(account.id).text_matches(inbox, "議事録", False)
            return (await store.index_stats()).japanese, found.found
        finally:
            await store.close()

    assert asyncio.run(check(utf8)) == (True, frozenset({1}))
    assert asyncio.run(check(c_ctype)) == (False, frozenset({1}))
    with psycopg.connect(utf8) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            "EXPLAIN SELECT blob_id FROM blob_text WHERE words LIKE '%議事録%'"
        ).fetchall()
    assert "blob_text_trigrams" in str(plan)  # the GIN index serves Japanese keys


@pytest.mark.timeout(180)
async def test_fifty_megabytes_of_one_character(store: Store) -> None:
    """A text part of 50 MB of one character: indexed up to TEXT_LIMIT, and marked so
    that a search reads the message for the rest; every key answers in bounded time."""
    mailstore = await make_account(store, "big")
    content = b"Subject: big\r\n\r\n" + b"a" * 50_000_000 + b"b\r\n"
    meta = message_meta(content)
    assert meta.text is not None and not meta.text.whole
    assert len(meta.text.body) <= TEXT_LIMIT and len(meta.text.words) <= TEXT_LIMIT + 20
    await store.deliver(content, meta, 0, [Delivery(mailstore.account_id)])
    inbox = await mailstore.get_mailbox("INBOX")
    assert inbox is not None
    for key in ("AAAA", "A", "AB", "B" * 10_000, "%_*"):
        matches = await mailstore.text_matches(inbox.id, key, header=False)
        assert not matches.found and matches.unsure == {1}, key  # read it: it is cut
