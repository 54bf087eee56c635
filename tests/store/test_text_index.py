"""The full-text index (hato/store/sql/text.py) on both backends: it only narrows, so
SEARCH BODY and TEXT answer exactly as without it, for every key; and the claims
about SQLite's trigram tokenizer and PostgreSQL's pg_trgm that its design rests on."""

from __future__ import annotations

import dataclasses
import time

from hato.mime import decoded_text, parse_message
from hato.store import Delivery, Mailstore, Store
from hato.store.meta import message_meta
from tests.imap.session_harness import PASSWORD, run_session
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
