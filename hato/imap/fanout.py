"""New mail told to every idling session of a mailbox at once (RFC 2177, RFC 3501 §7.3.1).

Theory of operation.  A session in IDLE with nothing else to be told
registers an ``Idler`` with its mailbox's ``FanOut`` and waits on its own
``woken`` event, not on the store's notifier.  When the notifier signals the
mailbox index (hato.imap.mailbox_index), one task per mailbox catches the
index up (one store query) and, if the change only added messages, tells
every idler whose view stood where the fan-out last left them: the view
takes the index's new snapshot (hato.imap.view.MailboxView.take_appended),
and the session's transport is handed the EXISTS (and, before IMAP4rev2,
RECENT) lines, made once for all the sessions with the same counts.  Only
one session is given the new messages as \\Recent (RFC 3501 §2.3.2); the
lines are the ones ``hato.imap.updates.count_lines`` makes, so every
session ends where its own refresh would have left it.

Anything else wakes the session, which then finds out for itself as before
(hato.imap.updates): a change that is not only new messages (flags,
expunges, a new keyword), a view that is behind, a session under NOTIFY
(RFC 5465) or with CONTEXT UPDATE searches (RFC 5267).  So does a client
that has ``UNREAD_LIMIT`` bytes or more of earlier output still unread:
the fan-out never waits for a socket, and such a session's own task writes
and waits for that client alone, holding no more than one write's worth.
The delivering session is answered before any of this runs (the store
settles committers ahead of the notifier's events), and the task yields to
the event loop every ``BATCH`` sessions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hato.imap.context_update import has_contexts
from hato.imap.updates import count_lines
from hato.session.trace import trace_output
from hato.store import Mailstore
from hato.store.base import StoreError

if TYPE_CHECKING:
    from hato.imap.mailbox_index import MailboxIndex
    from hato.imap.session import ImapSession
    from hato.imap.view import MailboxView

__all__ = ["BATCH", "UNREAD_LIMIT", "FanOut", "Idler", "idler_for", "leave"]

log = logging.getLogger(__name__)

BATCH = 500  # sessions told between two yields to the event loop
UNREAD_LIMIT = 64 * 1024  # asyncio's high-water mark: a client this far behind is left alone


class Idler:
    """One session waiting in IDLE; ``woken`` is set when it must look for itself."""

    __slots__ = ("session", "view", "woken")

    def __init__(self, session: ImapSession, view: MailboxView) -> None:
        self.session = session
        self.view = view
        self.woken = asyncio.Event()


@dataclass(frozen=True, slots=True)
class _State:
    """Where the index stood: its MODSEQ and its UID snapshot."""

    modseq: int
    uids: Sequence[int]


class FanOut:
    """The idlers of one mailbox index and the task that tells them (module docstring)."""

    def __init__(self, index: MailboxIndex) -> None:
        self.index = index
        self.idlers: dict[Idler, None] = {}  # in the order they came
        self._told = _State(index.modseq, index.uids)
        self._task: asyncio.Task[None] | None = None

    def enter(self, idler: Idler) -> None:
        if not self.idlers and self._idle_task():
            self._told = _State(self.index.modseq, self.index.uids)
        self.idlers[idler] = None

    def leave(self, idler: Idler) -> None:
        self.idlers.pop(idler, None)

    def signalled(self) -> None:
        """The store published a change of the mailbox (the index's flag was set)."""
        self._start()

    def moved(self) -> None:
        """The index took changes (whoever caught it up)."""
        self._start()

    def _idle_task(self) -> bool:
        return self._task is None or self._task.done()

    def _start(self) -> None:
        if self.idlers and self._idle_task():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        index = self.index
        while self.idlers and not (index.settled() and index.modseq == self._told.modseq):
            mailstore = next(iter(self.idlers)).session.mailstore
            try:
                await index.catch_up(mailstore)
                await self._round(mailstore)
            except StoreError:  # each session asks again for itself (and retries)
                self._wake_all()
                return
            except Exception:
                log.exception("IDLE fan-out of mailbox %d failed", index.mailbox_id)
                self._wake_all()
                return

    async def _round(self, mailstore: Mailstore) -> None:
        """Tell the idlers at ``_told`` what the index took since, if only new mail."""
        index = self.index
        before = self._told
        after = _State(index.modseq, index.uids)
        fresh = list(after.uids[len(before.uids) :])
        if not _appended_only(index, before, after):
            self._told = after
            self._wake_all()
            return
        if fresh and any(_claims(idler.view) for idler in self.idlers):
            await index.claim_through(mailstore, fresh[-1])
        self._told = after
        lines: dict[tuple[bool, int], bytes] = {}
        for number, idler in enumerate(list(self.idlers), 1):
            if idler in self.idlers and not self._tell(idler, before, after, fresh, lines):
                self._wake(idler)
            if number % BATCH == 0:
                await asyncio.sleep(0)

    def _tell(
        self,
        idler: Idler,
        before: _State,
        after: _State,
        fresh: list[int],
        lines: dict[tuple[bool, int], bytes],
    ) -> bool:
        """Bring one idler's view to ``after`` and write its lines; False if it must
        look for itself."""
        view, session, index = idler.view, idler.session, self.index
        current = view.modseq == before.modseq and view.uids is before.uids
        untold = view.pending_expunge or view.own or len(view.keywords) != len(index.keywords())
        if session.view is not view or session.notify is not None or not current or untold:
            return False
        transport = session.transport
        unread = transport.unread()
        if unread is None or unread >= UNREAD_LIMIT:
            return False
        if fresh:
            first_recent = index.give_recent(fresh[-1]) if _claims(view) else 0
            view.take_appended(after.uids, after.modseq, fresh, first_recent)
        else:  # a change that added nothing left (a message expunged as soon as it came)
            view.modseq = after.modseq
            view.uids = after.uids
        if index.settled() and index.modseq == after.modseq:
            view.subscription.changed.clear()  # nothing the view was not told
        if not fresh:
            return True
        key = (view.keeps_recent, view.recent_count)
        data = lines.get(key)
        if data is None:
            data = lines[key] = b"".join(count_lines(view))
        if transport.trace.enabled:
            trace_output(transport.trace, data)
        transport.write_nowait(data)
        return True

    def _wake(self, idler: Idler) -> None:
        self.idlers.pop(idler, None)
        idler.view.subscription.changed.set()
        idler.woken.set()

    def _wake_all(self) -> None:
        for idler in list(self.idlers):
            self._wake(idler)


def _claims(view: MailboxView) -> bool:
    """Whether the view takes new messages as \\Recent (RFC 3501 §2.3.2; not EXAMINE,
    not IMAP4rev2)."""
    return view.keeps_recent and not view.read_only


def _appended_only(index: MailboxIndex, before: _State, after: _State) -> bool:
    """True if the index went from ``before`` to ``after`` by new messages alone: no
    flag change of a message ``before`` held, no expunge."""
    last = before.uids[-1] if before.uids else 0
    for entry in index.log_since(before.modseq):
        if entry.expunged or entry.uid <= last:
            return False
    held = len(before.uids)
    return len(after.uids) >= held and (not held or after.uids[held - 1] == last)


def idler_for(session: ImapSession) -> Idler | None:
    """An idler for a session the fan-out may tell, registered; None if it may not
    (nothing selected, NOTIFY, CONTEXT UPDATE searches)."""
    view = session.view
    if view is None or session.notify is not None or has_contexts(view):
        return None
    index = view.index
    if index.fanout is None:
        index.fanout = FanOut(index)
    idler = Idler(session, view)
    index.fanout.enter(idler)
    if view.subscription.changed.is_set():
        told = view.modseq == index.modseq and view.uids is index.uids and index.settled()
        if told:  # what the flag said the view was told already (by the fan-out)
            view.subscription.changed.clear()
        else:
            index.fanout.leave(idler)
            idler.woken.set()
    return idler


def leave(idler: Idler) -> None:
    """The session stops waiting (the client's input, a wake-up, the keep-alive)."""
    fanout = idler.view.index.fanout
    if fanout is not None:
        fanout.leave(idler)
