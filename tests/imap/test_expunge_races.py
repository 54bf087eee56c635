"""A new message expunged while a session claims \\Recent for it (a store write, so an
await): another session's catch-up takes it out of the shared index, and with no view
numbering it yet the index keeps no ghost of it. The view must not take it then, or a
later command finds a message with no state (the mixed-load bench saw UID EXPUNGE answer
NO [SERVERBUG]: the refresh that UID EXPUNGE runs first took such a message, then the
expunge looked for its flags).
"""

from __future__ import annotations

import pytest

from hato.imap.mailbox_index import MailboxIndex
from hato.imap.updates import refresh
from hato.imap.view import open_view
from hato.store import MessageMeta, Store
from hato.store.base import Mailstore
from tests.imap.test_mailbox_index import MESSAGE, _mailstore, _settled


def _expunge_during_claims(
    monkeypatch: pytest.MonkeyPatch, mailstore: Mailstore, mailbox_id: int, uid: int
) -> list[int]:
    """Every \\Recent claim of the index lets another session expunge ``uid`` and the
    shared index catch up before it returns, as a write's await may. The UIDs claimed."""
    claimed: list[int] = []
    own_claim = MailboxIndex.claim_through

    async def claim_then_expunge(index: MailboxIndex, store_: Mailstore, newest: int) -> None:
        await own_claim(index, store_, newest)
        claimed.append(newest)
        if uid not in await mailstore.expunge(mailbox_id, [uid]):
            return
        await _settled()
        await index.catch_up(mailstore)
        assert index.summary(uid) is None  # no view numbered it: no ghost is kept

    monkeypatch.setattr(MailboxIndex, "claim_through", claim_then_expunge)
    return claimed


async def test_a_refresh_takes_no_message_gone_during_its_claim(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailstore = await _mailstore(store, 1)
    view = await open_view(store, mailstore, "INBOX", False)  # claims message 1
    await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_100)
    await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_200)
    await _settled()
    claimed = _expunge_during_claims(monkeypatch, mailstore, view.id, 2)
    lines = await refresh(mailstore, view, expunges=True)
    assert claimed == [3]
    assert list(view.uids) == [1, 3]
    assert [view.summary(uid).uid for uid in view.uids] == [1, 3]
    assert b"* 2 EXISTS\r\n" in lines
