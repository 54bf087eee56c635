"""NOTIFY (RFC 5465 §3): the events the client wants without asking, until NOTIFY NONE.

NOTIFY SET replaces the session's set (hato.imap.notify.NotifyWatch); an event hato does
not tell of is ``NO [BADEVENT (...)]`` naming those it does (§6), and the old set stays.
With STATUS, each watched mailbox's counters go out before the tagged OK (§3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.notify import SUPPORTED_EVENTS, NotifyWatch
from hato.imap.reply import Reply, no
from hato.proto import imap as c

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["notify"]


async def notify(session: ImapSession, cmd: c.Notify) -> Reply:
    if cmd.groups is None:
        session.set_notify(None)
        return Reply("NOTIFY completed.")
    asked = {event for group in cmd.groups for event in group.events}
    if asked - set(SUPPORTED_EVENTS):
        raise no("Unsupported event.", f"BADEVENT ({' '.join(SUPPORTED_EVENTS)})")
    account = session.account
    assert account is not None, "the state table admits NOTIFY only after login"
    watch = NotifyWatch(session.context.store.notifier, account.id, cmd.groups)
    session.set_notify(watch)
    await watch.start(session, cmd.status)
    return Reply("NOTIFY completed.")
