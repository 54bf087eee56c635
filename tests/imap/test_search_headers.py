"""A lone FROM/TO/CC/SUBJECT key over the whole mailbox walks its case-mapped column
inside ``map`` (``_header_walk``) instead of asking the Matcher a message at a time:
the same answer, on a real store, for ASCII, case, MIME words, Japanese and a
message without the field."""

from __future__ import annotations

import random

from hato.imap.search_eval import BULK, Matcher, _header_walk, evaluate
from hato.imap.view import open_view
from hato.proto import imap as p
from hato.proto.imap._search import parse_search_keys
from hato.proto.imap._tokens import Cursor
from hato.store import Credentials, Store
from hato.store.meta import message_meta

SENDERS = [
    "Alice <alice@example.org>",
    "=?utf-8?q?=C3=84rger?= <rare@example.org>",
    "講義 担当 <sensei@example.jp>",
    "bob@EXAMPLE.org",
]
KEYS = [
    "FROM alice", "FROM ALICE", 'FROM "ärger"', "FROM example.org", 'FROM "講義"',
    "TO carol", "CC dave", 'SUBJECT "re: hi"', "SUBJECT nothing-like-this", "FROM x",
]  # fmt: skip


def _key(text: str) -> p.SearchKey:
    return parse_search_keys(Cursor(text.encode()))


def _message(rng: random.Random, number: int) -> bytes:
    lines = [f"From: {rng.choice(SENDERS)}"] if number % 9 else []  # some have none
    if rng.random() < 0.5:
        lines.append("To: Carol <carol@example.org>")
    if rng.random() < 0.3:
        lines.append("Cc: dave@example.org")
    lines.append(f"Subject: {rng.choice(['Re: hi', 'hello', 'RE: HI there'])}")
    return ("\r\n".join(lines) + "\r\n\r\nbody\r\n").encode()


async def test_the_walk_answers_as_the_matcher(store: Store) -> None:
    account = await store.create_account("hw", Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    await mailstore.create_mailbox("INBOX")
    rng = random.Random(7)
    for number in range(BULK + 30):
        content = _message(rng, number)
        await mailstore.append("INBOX", content, message_meta(content), 1_700_000_000 + number)
    view = await open_view(store, mailstore, "INBOX", True)
    try:
        every = list(enumerate(view.uids, 1))
        counts = []
        for text in KEYS:
            key = _key(text)
            walked = await evaluate(mailstore, view, key)
            matched = await evaluate(mailstore, view, key, every)  # the Matcher's
            assert walked == matched, text
            counts.append(len(walked))
        assert 0 < counts[0] == counts[1] < len(every)  # FROM alice, either case
        assert counts[2] > 0 and counts[4] > 0  # a MIME word and Japanese, case-mapped
        assert counts[-2] == 0
        matcher = Matcher(view)
        assert _header_walk(view, matcher, _key("FROM alice"), None) is None  # not loaded
        assert _header_walk(view, matcher, _key("FLAGGED"), None) is None
    finally:
        view.close()
