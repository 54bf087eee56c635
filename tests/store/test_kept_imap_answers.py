"""Mailstore.keep_imap_answers: a body's FETCH ENVELOPE and BODYSTRUCTURE kept as IMAP
sent them, read back with the message's details, shared by every message of the body."""

from __future__ import annotations

import pytest

from hato.store import Delivery, MessageMeta, NoSuchMailbox, Store
from tests.store.conftest import make_account

BODY = b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"
ENVELOPE = '(NIL "hi" (("" NIL "a" "example.org")) NIL NIL NIL NIL NIL NIL NIL)'
STRUCTURE = '("text" "plain" NIL NIL NIL "7bit" 7 1 NIL NIL NIL NIL)'


async def test_kept_answers_come_back_with_the_details_and_stay(store: Store) -> None:
    alice = await make_account(store, "alice")
    bob = await make_account(store, "bob")
    await store.deliver(
        BODY, MessageMeta(), 0, [Delivery(alice.account_id), Delivery(bob.account_id)]
    )
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    (before,) = await alice.message_details(inbox.id, [1])
    assert (before.envelope_imap, before.bodystructure_imap) == (None, None)

    await alice.keep_imap_answers(inbox.id, [(1, ENVELOPE, None)])
    (after,) = await alice.message_details(inbox.id, [1])
    assert (after.envelope_imap, after.bodystructure_imap) == (ENVELOPE, None)

    # the other answer joins it; a kept one is not replaced
    await alice.keep_imap_answers(inbox.id, [(1, "(other)", STRUCTURE)])
    (both,) = await alice.message_details(inbox.id, [1])
    assert (both.envelope_imap, both.bodystructure_imap) == (ENVELOPE, STRUCTURE)

    # the body is shared: bob's copy of it has them too
    bobs = await bob.get_mailbox("INBOX")
    assert bobs is not None
    (shared,) = await bob.message_details(bobs.id, [1])
    assert (shared.envelope_imap, shared.bodystructure_imap) == (ENVELOPE, STRUCTURE)


async def test_another_accounts_mailbox_is_refused(store: Store) -> None:
    alice = await make_account(store, "alice")
    bob = await make_account(store, "bob")
    await store.deliver(BODY, MessageMeta(), 0, [Delivery(alice.account_id)])
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    with pytest.raises(NoSuchMailbox):
        await bob.keep_imap_answers(inbox.id, [(1, ENVELOPE, STRUCTURE)])
    (details,) = await alice.message_details(inbox.id, [1])
    assert details.envelope_imap is None
