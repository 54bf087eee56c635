"""SELECT/EXAMINE (RFC 3501 §6.3.1, §6.3.2), CLOSE (§6.4.2), UNSELECT (RFC 3691),
EXPUNGE (§6.4.3) and UID EXPUNGE (RFC 4315 §2.1).

SELECT answers as the slides show: FLAGS, PERMANENTFLAGS, EXISTS, RECENT,
[UNSEEN n] (the first unseen), [UIDVALIDITY], [UIDNEXT], [HIGHESTMODSEQ]
(RFC 7162 §3.1.2.1), then `OK [READ-WRITE] Select completed.`.  Under IMAP4rev2
(RFC 9051 §6.3.2) RECENT and [UNSEEN n] are gone and a LIST line names the mailbox.  Selecting
while a mailbox is selected first says `* OK [CLOSED]` (RFC 7162 §3.2.11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.condstore import enable_condstore, expunge_lines
from hato.imap.names import SEPARATOR
from hato.imap.objectid import mailbox_id
from hato.imap.qresync import check_params, resync_lines
from hato.imap.reply import Reply, no
from hato.imap.updates import count_lines, flags_lines, keyword_lines
from hato.imap.view import MailboxView, open_view
from hato.proto import imap as c
from hato.proto.imap import Atom, Outcome, selected_numbers, untagged, untagged_status

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["expunge_deleted"]


def _announce(session: ImapSession, view: MailboxView) -> None:
    session.send(*flags_lines(view), *count_lines(view))
    if session.rev2:
        session.send(untagged(Atom("LIST"), [], SEPARATOR, session.mailbox_value(view.name)))
    unseen = None if session.rev2 else view.first_unseen()
    if unseen:
        session.send(untagged_status("OK", "First unseen.", f"UNSEEN {unseen}"))
    session.send(selected_numbers(view.uidvalidity, view.uidnext, view.modseq))
    if "OBJECTID" in session.context.commands.capabilities:  # RFC 8474 §4.2
        code = f"MAILBOXID ({mailbox_id(view.id, view.uidvalidity)})"
        session.send(untagged_status("OK", "Ok", code))


async def select(session: ImapSession, cmd: c.Select) -> Reply:
    """With (CONDSTORE), CONDSTORE is on (RFC 7162 §3.1.8); with (QRESYNC (...)),
    the resynchronisation lines come before the tagged OK (hato.imap.qresync)."""
    if cmd.qresync is not None:
        check_params(cmd.qresync, session.qresync)
    if session.view is not None:
        session.close_view()
        session.send(untagged_status("OK", "Previous mailbox closed.", "CLOSED"))
    if cmd.condstore:
        enable_condstore(session)  # SELECT's own HIGHESTMODSEQ line follows
    store, mailstore = session.context.store, session.mailstore
    view = await open_view(store, mailstore, cmd.mailbox, cmd.READ_ONLY, not session.rev2)
    session.view = view
    _announce(session, view)
    if cmd.qresync is not None:
        resync = await resync_lines(session.mailstore, view, cmd.qresync)
        for line in keyword_lines(view) + resync:  # a keyword may have come meanwhile
            session.send(line)
    if cmd.READ_ONLY:
        return Reply("Examine completed.", code="READ-ONLY", outcome=Outcome.SELECTED)
    return Reply("Select completed.", code="READ-WRITE", outcome=Outcome.SELECTED)


async def expunge_deleted(session: ImapSession, uids: set[int] | None, announce: bool) -> None:
    """Remove the \\Deleted messages (of `uids`, if given); if `announce`, EXPUNGE
    each, or VANISHED them all once QRESYNC is on (RFC 7162 §3.2.10)."""
    view = session.require_view()
    deleted = [
        uid
        for uid in view.uids
        if "\\Deleted" in view.summary(uid).flags and (uids is None or uid in uids)
    ]
    if not deleted:
        return
    gone = await session.mailstore.expunge(view.id, deleted)
    lines = expunge_lines(view, gone, session.qresync)
    if announce:
        for line in lines:
            session.send(line)


def _writable(session: ImapSession) -> None:
    if session.require_view().read_only:
        raise no("Mailbox is read-only.", "READ-ONLY")


async def expunge(session: ImapSession, cmd: c.Expunge) -> Reply:
    """EXPUNGE, or UID EXPUNGE of a UID set (only those UIDs)."""
    _writable(session)
    view = session.require_view()
    uids = None if cmd.uids is None else set(cmd.uids.select_uids(view.uids))
    await session.report_pending()
    await expunge_deleted(session, uids, announce=True)
    if session.qresync:  # RFC 7162 §3.2.7: the client's new HIGHESTMODSEQ, as Dovecot
        await session.report_pending()  # so the view's MODSEQ covers all that was said
        return Reply("Expunge completed.", code=f"HIGHESTMODSEQ {view.modseq}")
    return Reply("Expunge completed.")


async def close(session: ImapSession, cmd: c.Close) -> Reply:
    """RFC 3501 §6.4.2: expunge silently (unless read-only), then deselect."""
    if not session.require_view().read_only:
        await expunge_deleted(session, None, announce=False)
    return Reply("Close completed.", outcome=Outcome.DESELECTED)


async def unselect(session: ImapSession, cmd: c.Unselect) -> Reply:
    """RFC 3691 §2: deselect without expunging."""
    return Reply("Unselect completed.", outcome=Outcome.DESELECTED)
