"""A FETCH that could be answered from kept answers stops asking the store for them after
``KEPT_MISSES`` batches in a row found them missing (a first sync of a large mailbox), and
answers the rest the general way; a batch they cover resets the count."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hato.imap.commands import fetch
from hato.store import Credentials, Store
from hato.store.base import Mailstore
from hato.store.meta import message_meta
from hato.store.sql.kept import Kept
from hato.store.sql.store import SqlMailstore
from tests.imap.session_harness import selected_lines

MESSAGES = 12
KEPT = '("kept")'


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The UIDs of each kept-answers read, with batches of two messages."""
    monkeypatch.setattr(fetch, "BATCH", 2)
    monkeypatch.setattr(fetch, "FIRST_BATCH", 2)
    reads: list[list[int]] = []
    original = SqlMailstore.kept_answers

    async def counted(
        self: SqlMailstore, mailbox_id: int, uids: Sequence[int], names: str | None, answers: bool
    ) -> list[Kept]:
        reads.append(list(uids))
        return await original(self, mailbox_id, uids, names, answers)

    monkeypatch.setattr(SqlMailstore, "kept_answers", counted)
    return reads


async def _inbox(store: Store) -> tuple[Mailstore, int]:
    account = await store.create_account("q", Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    await mailstore.create_mailbox("INBOX")
    for number in range(MESSAGES):
        body = b"Subject: %d\r\n\r\nbody\r\n" % number
        await mailstore.append("INBOX", body, message_meta(body), 1_700_000_000 + number)
    mailbox = await mailstore.get_mailbox("INBOX")
    assert mailbox is not None
    return mailstore, mailbox.id


def _envelopes(lines: list[str]) -> list[str]:
    return [line.split("ENVELOPE ", 1)[1] for line in lines if " FETCH (" in line]


async def test_nothing_kept_stops_asking_after_the_misses(
    store: Store, asked: list[list[int]]
) -> None:
    await _inbox(store)
    lines = await selected_lines(store, "q", "f FETCH 1:* (ENVELOPE)")
    assert asked == [[1, 2], [3, 4]][: fetch.KEPT_MISSES]
    envelopes = _envelopes(lines)
    assert len(envelopes) == MESSAGES
    assert all(f'"{number}"' in envelope for number, envelope in enumerate(envelopes))
    assert "f OK Fetch completed." in lines


async def test_kept_batches_reset_the_count(store: Store, asked: list[list[int]]) -> None:
    mailstore, inbox = await _inbox(store)
    await mailstore.keep_imap_answers(inbox, [(uid, KEPT, None) for uid in (1, 2, 3, 4, 7, 8)])
    lines = await selected_lines(store, "q", "f FETCH 1:* (ENVELOPE)")
    # 1-2 and 3-4 kept, 5-6 missed, 7-8 kept (the count starts again), then two misses
    assert asked == [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12]]
    envelopes = _envelopes(lines)
    assert [envelope == f"{KEPT})" for envelope in envelopes] == [
        uid in (1, 2, 3, 4, 7, 8) for uid in range(1, MESSAGES + 1)
    ]
