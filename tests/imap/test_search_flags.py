"""A lone flag key (SEARCH FLAGGED, UNSEEN, KEYWORD k) walks the shared index's flag-set
ids instead of asking the Matcher a message at a time: the same answer, on a real store."""

from __future__ import annotations

import random

from hato.imap.search_eval import _flag_walk, evaluate
from hato.imap.view import open_view
from hato.proto import imap as p
from hato.proto.imap._search import parse_search_keys
from hato.proto.imap._tokens import Cursor
from hato.store import Credentials, FlagMode, MessageMeta, Store

MESSAGE = b"Subject: hi\r\n\r\nbody\r\n"
KEYS = [
    "FLAGGED", "UNFLAGGED", "SEEN", "UNSEEN", "DRAFT", "ANSWERED", "DELETED",
    "KEYWORD $work", "KEYWORD $WORK", "UNKEYWORD $Work", "KEYWORD never",
]  # fmt: skip


def _key(text: str) -> p.SearchKey:
    return parse_search_keys(Cursor(text.encode()))


async def test_the_walk_answers_as_the_matcher(store: Store) -> None:
    account = await store.create_account("fl", Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    box = await mailstore.create_mailbox("INBOX")
    for number in range(60):
        await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_000 + number)
    rng = random.Random(5)
    for flag in ("\\Flagged", "\\Seen", "\\Draft", "$Work", "\\Answered"):
        chosen = sorted(rng.sample(range(1, 61), 25))
        await mailstore.store_flags(box.id, chosen, [flag], FlagMode.ADD)
    view = await open_view(store, mailstore, "INBOX", True)
    try:
        every = list(enumerate(view.uids, 1))
        for text in KEYS:
            key = _key(text)
            assert _flag_walk(view, key, None) is not None, text  # the walk answers
            walked = await evaluate(mailstore, view, key)
            matched = await evaluate(mailstore, view, key, every)  # the Matcher's
            assert walked == matched, text
        assert len(await evaluate(mailstore, view, _key("FLAGGED"))) == 25
        assert await evaluate(mailstore, view, _key("KEYWORD never")) == []
        assert _flag_walk(view, _key("RECENT"), None) is None
        assert _flag_walk(view, _key("FLAGGED"), every) is None
    finally:
        view.close()
