"""STORE (UNCHANGEDSINCE n) in the store (RFC 7162 §3.1.3), on every backend.

A message whose MODSEQ is above n is left alone and reported as modified;
the others change as `store_flags` would change them.  The check and the
change are one transaction: of many concurrent conditional stores with the
same n on one message, exactly one wins.
"""

from __future__ import annotations

import asyncio

from hato.store import FlagMode, MessageMeta, Store
from tests.store.conftest import make_account

BODY = b"From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n"


async def test_only_messages_unchanged_since_are_stored(store: Store) -> None:
    box = await make_account(store, "alice")
    stored = [await box.append("INBOX", BODY + bytes([n]), MessageMeta(), 0) for n in range(3)]
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    # message 3 changes after the client last looked (at the MODSEQ of message 2)
    seen = stored[1].modseq
    await box.store_flags(inbox.id, [3], ["\\Answered"], FlagMode.ADD)
    done = await box.store_flags_unchanged_since(
        inbox.id, [1, 2, 3], ["\\Deleted"], FlagMode.ADD, seen
    )
    assert done.modified == [3]
    assert [s.uid for s in done.changed] == [1, 2]
    assert all(s.flags == frozenset({"\\Deleted"}) for s in done.changed)
    assert done.changed[0].modseq == done.changed[1].modseq > stored[2].modseq
    flags = {s.uid: s.flags for s in await box.messages(inbox.id)}
    assert flags[3] == frozenset({"\\Answered"})


async def test_unchangedsince_zero_always_fails(store: Store) -> None:
    """RFC 7162 §3.1.3: UNCHANGEDSINCE 0 fails for every existing message."""
    box = await make_account(store, "alice")
    await box.append("INBOX", BODY, MessageMeta(), 0)
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    done = await box.store_flags_unchanged_since(inbox.id, [1, 9], ["\\Seen"], FlagMode.ADD, 0)
    assert done.modified == [1] and done.changed == []
    after = await box.get_mailbox("INBOX")
    assert after is not None and after.highestmodseq == inbox.highestmodseq


async def test_a_noop_store_passes_without_a_new_modseq(store: Store) -> None:
    box = await make_account(store, "alice")
    first = await box.append("INBOX", BODY, MessageMeta(), 0, frozenset({"\\Seen"}))
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    done = await box.store_flags_unchanged_since(
        inbox.id, [1], ["\\Seen"], FlagMode.ADD, first.modseq
    )
    assert done.modified == [] and done.changed == []


async def test_concurrent_conditional_stores_have_one_winner(store: Store) -> None:
    box = await make_account(store, "alice")
    first = await box.append("INBOX", BODY, MessageMeta(), 0)
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    keywords = [f"taken{n}" for n in range(8)]
    results = await asyncio.gather(
        *(
            box.store_flags_unchanged_since(inbox.id, [1], [word], FlagMode.ADD, first.modseq)
            for word in keywords
        )
    )
    winners = [r for r in results if r.changed]
    assert len(winners) == 1
    assert sum(1 for r in results if r.modified == [1]) == len(keywords) - 1
    (message,) = await box.messages(inbox.id)
    assert message.flags == winners[0].changed[0].flags
