"""Mailstore.keep_header_fields and kept_answers: a message's FETCH BODY[HEADER.FIELDS
(...)] kept as IMAP sent it, under its list's key, read back with the body's kept ENVELOPE
and BODYSTRUCTURE in one statement (hato/store/sql/kept.py); bounded per message, gone
with the message, another account's refused."""

from __future__ import annotations

import pytest

from hato.store import Delivery, Mailstore, MessageMeta, NoSuchMailbox, Store
from hato.store.sql.kept import KEPT_LISTS_PER_MESSAGE
from tests.store.conftest import make_account

BODY = b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"
FIELDS = b"Subject: hi\r\n\r\n"
KEY = "subject"
ENVELOPE = '(NIL "hi" (("" NIL "a" "example.org")) NIL NIL NIL NIL NIL NIL NIL)'


async def _inbox_with(store: Store, count: int, name: str = "INBOX") -> tuple[Mailstore, int]:
    alice = await make_account(store, "alice")
    for _ in range(count):
        await store.deliver(BODY, MessageMeta(), 0, [Delivery(alice.account_id)])
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    if name == "INBOX":
        return alice, inbox.id
    created = await alice.create_mailbox(name)
    await alice.copy(inbox.id, list(range(1, count + 1)), name)
    return alice, created.id


async def test_kept_fields_come_back_under_their_key_only(store: Store) -> None:
    alice, inbox = await _inbox_with(store, 2)
    assert await alice.kept_answers(inbox, [1, 2], KEY, answers=True) == [
        (1, None, None, None),
        (2, None, None, None),
    ]
    await alice.keep_header_fields(inbox, KEY, [(1, FIELDS)])
    await alice.keep_imap_answers(inbox, [(2, ENVELOPE, None)])
    assert await alice.kept_answers(inbox, [1, 2, 3], KEY, answers=True) == [
        (1, ENVELOPE, None, FIELDS),  # one body: message 2's ENVELOPE is message 1's too
        (2, ENVELOPE, None, None),
    ]
    assert await alice.kept_answers(inbox, [1], "from", answers=True) == [(1, ENVELOPE, None, None)]
    assert await alice.kept_answers(inbox, [1], None, answers=True) == [(1, ENVELOPE, None, None)]
    # without the answers asked, the kept ENVELOPE is not read (nor joined)
    assert await alice.kept_answers(inbox, [1], KEY, answers=False) == [(1, None, None, FIELDS)]
    assert await alice.kept_answers(inbox, [1, 2], None, answers=False) == [
        (1, None, None, None),
        (2, None, None, None),
    ]
    # kept once: the same list again leaves the first answer
    await alice.keep_header_fields(inbox, KEY, [(1, b"other\r\n\r\n")])
    assert (await alice.kept_answers(inbox, [1], KEY, answers=True))[0][3] == FIELDS


async def test_a_message_keeps_a_bounded_number_of_lists(store: Store) -> None:
    alice, inbox = await _inbox_with(store, 1)
    keys = [f"x-list-{number}" for number in range(KEPT_LISTS_PER_MESSAGE + 3)]
    for key in keys:
        await alice.keep_header_fields(inbox, key, [(1, FIELDS)])
    kept = [
        key
        for key in keys
        if (await alice.kept_answers(inbox, [1], key, answers=True))[0][3] is not None
    ]
    assert kept == keys[:KEPT_LISTS_PER_MESSAGE]


async def test_kept_fields_go_with_the_message(store: Store) -> None:
    alice, inbox = await _inbox_with(store, 2)
    await alice.keep_header_fields(inbox, KEY, [(1, FIELDS), (2, FIELDS)])
    assert await alice.expunge(inbox, [1]) == [1]
    assert await alice.kept_answers(inbox, [1, 2], KEY, answers=True) == [(2, None, None, FIELDS)]
    # a message gone is not kept for (and the others of the batch still are)
    await alice.keep_header_fields(inbox, "from", [(1, FIELDS), (2, FIELDS)])
    assert (await alice.kept_answers(inbox, [2], "from", answers=True))[0][3] == FIELDS


async def test_a_mailbox_with_kept_fields_can_be_deleted(store: Store) -> None:
    alice, lists = await _inbox_with(store, 2, "Lists")
    await alice.keep_header_fields(lists, KEY, [(1, FIELDS), (2, FIELDS)])
    assert len(await alice.kept_answers(lists, [1, 2], KEY, answers=True)) == 2
    await alice.delete_mailbox("Lists")
    assert await alice.get_mailbox("Lists") is None


async def test_another_accounts_mailbox_is_refused_and_shows_nothing(store: Store) -> None:
    alice, inbox = await _inbox_with(store, 1)
    bob = await make_account(store, "bob")
    with pytest.raises(NoSuchMailbox):
        await bob.keep_header_fields(inbox, KEY, [(1, FIELDS)])
    await alice.keep_header_fields(inbox, KEY, [(1, FIELDS)])
    assert await bob.kept_answers(inbox, [1], KEY, answers=True) == []
