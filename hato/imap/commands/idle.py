"""IDLE (RFC 2177): `+ idling`, then updates as they happen, until DONE.

The session waits on two things at once: the client's next line and the
store's notifier for the selected mailbox, which fires after every committed
change by any session, POP3 or delivery, so new mail is told within moments.
The connection's idle timeout does not end an IDLE (RFC 2177 §3: clients
re-issue it every 29 minutes); a keep-alive `* OK Still here` goes out
meanwhile, as Dovecot sends it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from hato.imap.fanout import Idler, idler_for, leave
from hato.imap.reply import Reply, bad
from hato.proto import imap as c
from hato.proto.imap import IdleDone, continuation, untagged_status
from hato.session.closed import IdleTimeout

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []

MAX_IDLE = 30 * 60.0


async def idle(session: ImapSession, cmd: c.Idle) -> Reply:
    session.send(continuation("idling"))
    await session.report_pending()
    await session.flush()
    session.reader.expect_idle_done()
    started = time.monotonic()
    while (event := session.reader.next_event()) is None:
        await _wait(session, started)
    if not isinstance(event, IdleDone) or not event.valid:
        raise bad("Expected DONE.")
    return Reply("Idle completed.")


async def _wait(session: ImapSession, started: float) -> None:
    """Wait for the client's next bytes, a change, or the keep-alive's time, and act on
    it. New mail is written by the mailbox's fan-out (hato.imap.fanout) without waking
    this task, unless the session must look for itself; the fan-out writes only while
    the session waits, never between pieces of its own output."""
    read = session.read_task()
    idler = idler_for(session)
    try:
        changed = await _changed_or_read(session, read, idler)
    finally:
        if idler is not None:
            leave(idler)
    if read.done():
        await _receive(session, started)
    elif changed:
        await session.report_pending()
        await session.notify_updates()
        await session.flush()
    else:
        session.send(untagged_status("OK", "Still here"))
        await session.flush()


async def _changed_or_read(
    session: ImapSession, read: asyncio.Task[bytes], idler: Idler | None
) -> bool:
    """Wait for the first of the client's bytes and a change; True if a change came
    first, False for the bytes or the keep-alive's time."""
    waiting: set[asyncio.Future[object]] = {read}  # type: ignore[arg-type]
    notify = None
    if idler is not None:
        notify = asyncio.ensure_future(idler.woken.wait())
        waiting.add(notify)  # type: ignore[arg-type]
    elif session.view is not None:
        notify = asyncio.ensure_future(session.view.subscription.changed.wait())
        waiting.add(notify)  # type: ignore[arg-type]
    others = None
    if session.notify is not None:  # NOTIFY's other mailboxes (RFC 5465 §3)
        others = asyncio.ensure_future(session.notify.changed.wait())
        waiting.add(others)  # type: ignore[arg-type]
    timeout = session.context.idle_keepalive
    done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waited in (notify, others):
        if waited is not None and not waited.done():
            waited.cancel()
    return read not in done and bool(done & {notify, others})


async def _receive(session: ImapSession, started: float) -> None:
    """Take the client's bytes; a read that timed out is no reason to leave IDLE."""
    try:
        await session.receive()
    except IdleTimeout:
        if time.monotonic() - started > MAX_IDLE:
            raise
