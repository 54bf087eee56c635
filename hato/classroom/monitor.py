"""What the teacher sees live: every class member's sessions, their transcripts, the
commands refused (for the hints) and the lab steps done.

Theory of operation. The server wires a ``ClassMonitor`` as the observer of its sessions'
transcripts (hato.session.trace) once there is a class (a member, or the console loaded:
``Server._class_monitor``): it hears each session open, each line each way
(redacted as ``--trace`` redacts them), each login and start of TLS, and the close. A
session is kept while nobody knows whose it is (at most ``UNKNOWN_LINES`` lines) and
from then on only if it is a class member's: one that logs in as a member, or, on port
25 where nobody logs in, one whose ``MAIL FROM`` is a member's address (the account at
a local domain, or the roster's e-mail; a sender can claim any address, which is
enough for a lab). Each kept session holds its last ``session_lines`` lines; a
``Conversation`` (hato.classroom.checklist) reads them, so a refused command carries
the ``Exchange`` that the page turns into a hint, and a command the server accepted
marks the lab steps it completes (``done``). A closed session stays readable for
``keep_seconds``; the ``past_sessions`` last of each student are kept.

Live viewers (the console's pages) ``subscribe``: each gets a bounded queue of what
changed (a session's state, a line). A viewer that falls behind loses its queue's
oldest news and is told to load the page again (``Resync``): a session never waits for
a viewer. Everything runs on the event loop; each observer call is a few dictionary
and deque operations.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hato.classroom.checklist import Conversation, Exchange, Step, load_steps
from hato.session.trace import SessionTrace, TraceLine

__all__ = [
    "UNKNOWN_LINES",
    "ClassMonitor",
    "LineNews",
    "LiveSession",
    "Resync",
    "SessionNews",
    "ShownLine",
]

UNKNOWN_LINES = 50  # lines kept of a session before anyone knows whose it is
QUEUE = 1000  # news a viewer may have waiting
_PROTOCOL = {  # the checklist's protocol of each listener
    "pop3": "pop3", "pop3s": "pop3", "imap": "imap", "imaps": "imap", "smtp": "smtp",
    "submission": "smtp", "submissions": "smtp",
}  # fmt: skip
_MAIL_FROM = re.compile(r"MAIL\s+FROM:\s*<([^<>\s]{1,254})>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ShownLine:
    """A transcript line, and for a server answer that refused a command, the exchange
    (the page shows the hint for it in the viewer's language)."""

    line: TraceLine
    refused: Exchange | None = None


@dataclass(slots=True)
class LiveSession:
    """One session as the teacher sees it."""

    label: str
    service: str
    peer: str
    tls: bool
    opened_at: float
    account: str | None = None
    closed_at: float | None = None
    last_command: str = ""
    last_command_at: float | None = None
    lines: deque[ShownLine] = field(default_factory=lambda: deque(maxlen=UNKNOWN_LINES))
    conversation: Conversation | None = None
    saved: bool = False  # closed and kept in the store (hato.classroom.recorder)

    @property
    def protocol(self) -> str:
        """The protocol its transcript is read as (submission's is SMTP's)."""
        return _PROTOCOL.get(self.service, self.service)

    @property
    def steps_of(self) -> str:
        """The protocol of the lab steps it may complete: the checklist's SMTP step is a
        message typed on port 25, so submission's sessions complete none of them."""
        return "submission" if self.service.startswith("submission") else self.protocol


@dataclass(frozen=True, slots=True)
class SessionNews:
    """A session opened, logged in, started TLS or closed."""

    session: LiveSession


@dataclass(frozen=True, slots=True)
class LineNews:
    session: LiveSession
    shown: ShownLine


@dataclass(frozen=True, slots=True)
class Resync:
    """The viewer missed news: it should load what it shows again."""


News = SessionNews | LineNews | Resync


@dataclass(slots=True)
class _Viewer:
    queue: asyncio.Queue[News]
    account: str | None  # None: every student's news


class ClassMonitor:
    """The sessions of the class's members, live (a ``TraceObserver``)."""

    def __init__(
        self,
        session_lines: int = 2000,
        keep_seconds: float = 86400.0,
        past_sessions: int = 20,
        steps: tuple[Step, ...] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session_lines = session_lines
        self.keep_seconds = keep_seconds
        self.past_sessions = past_sessions
        self.steps = steps if steps is not None else load_steps()
        self._clock = clock
        self._open: dict[str, LiveSession] = {}  # by label, until it is known to be no member's
        self._past: dict[str, deque[LiveSession]] = {}  # by account
        self._members: frozenset[str] = frozenset()
        self._by_address: dict[str, str] = {}  # lower-case address -> member account
        self._done: dict[str, dict[str, float]] = {}  # account -> step id -> first done
        self._viewers: list[_Viewer] = []
        self._news: dict[str | None, int] = {None: 0}  # news told, per account and in all
        self._unsaved: dict[str, dict[str, float]] = {}  # steps done since the last save
        self._since: dict[str, float] = {}  # account -> when its lab was last begun anew

    # -- the class -----------------------------------------------------------------

    def set_members(self, members: Iterable[tuple[str, Iterable[str]]]) -> None:
        """The class: each member's account and the addresses that are theirs."""
        by_address: dict[str, str] = {}
        accounts = set()
        for account, addresses in members:
            accounts.add(account)
            for address in addresses:
                if address:
                    by_address[address.lower()] = account
        self._members = frozenset(accounts)
        self._by_address = by_address

    def begin_anew(self, account: str, since: float) -> None:
        """``hato class reset`` began ``account``'s lab anew at ``since`` (read with the
        roster): the steps done and the sessions closed before it are forgotten, and its
        viewers load their pages again."""
        if since <= self._since.get(account, 0.0):
            return
        self._since[account] = since
        for steps in (self._done, self._unsaved):
            if account in steps:
                steps[account] = {s: at for s, at in steps[account].items() if at >= since}
        past = self._past.get(account)
        if past:
            kept = [s for s in past if (s.closed_at or since) >= since]
            self._past[account] = deque(kept, maxlen=past.maxlen)
        self._tell(Resync(), account)

    # -- TraceObserver ---------------------------------------------------------------

    def opened(self, trace: SessionTrace) -> None:
        session = LiveSession(trace.label, trace.service, trace.peer, trace.tls, trace.opened_at)
        session.conversation = Conversation(session.protocol)
        self._open[trace.label] = session

    def line(self, trace: SessionTrace, line: TraceLine) -> bool:
        session = self._open.get(trace.label)
        if session is None:
            return False
        refused = self._read(session, line)
        shown = ShownLine(line, refused)
        session.lines.append(shown)
        if session.account is None and line.direction == "C" and session.protocol == "smtp":
            self._attribute_by_sender(session, line.text)
        if session.account is not None:
            self._tell(LineNews(session, shown), session.account)
        return trace.label in self._open

    def changed(self, trace: SessionTrace) -> bool:
        session = self._open.get(trace.label)
        if session is None:
            return False
        session.tls = trace.tls
        if trace.account is not None and session.account is None:
            self._belongs(session, trace.account)
        elif session.account is not None:
            self._tell(SessionNews(session), session.account)
        return trace.label in self._open

    def closed(self, trace: SessionTrace) -> None:
        session = self._open.pop(trace.label, None)
        if session is None or session.account is None:
            return
        session.closed_at = self._clock()
        session.conversation = None  # its answers are read: the rest is for reading
        past = self._past.setdefault(session.account, deque(maxlen=self.past_sessions))
        past.append(session)
        self._tell(SessionNews(session), session.account)

    # -- reading a transcript -----------------------------------------------------------

    def _read(self, session: LiveSession, line: TraceLine) -> Exchange | None:
        if line.direction == "C" and line.text and not line.text.startswith(("<", "[")):
            session.last_command, session.last_command_at = line.text, line.at
        conversation = session.conversation
        if conversation is None or line.direction == "*":
            return None
        exchange = conversation.feed(line.direction, line.text)
        if exchange is None:
            return None
        if exchange.positive:
            self._mark_done(session, exchange, line.at)
            return None
        return exchange

    def _mark_done(self, session: LiveSession, exchange: Exchange, at: float) -> None:
        if session.account is None:
            return  # replayed once the account is known (_replay_done)
        for step in self.steps:
            if step.protocol == session.steps_of and exchange.command in step.commands:
                self._step_done(session.account, step.id, at)

    def _step_done(self, account: str, step: str, at: float) -> None:
        done = self._done.setdefault(account, {})
        if step not in done:
            done[step] = at
            self._unsaved.setdefault(account, {})[step] = at

    def _attribute_by_sender(self, session: LiveSession, text: str) -> None:
        found = _MAIL_FROM.match(text)
        if found is None:
            return
        account = self._by_address.get(found.group(1).lower())
        if account is not None:
            self._belongs(session, account)
        else:
            self._open.pop(session.label, None)  # a stranger's mail: not the class's

    def _belongs(self, session: LiveSession, account: str) -> None:
        """The session is ``account``'s: kept if a member's (its lines so far too)."""
        if account not in self._members:
            self._open.pop(session.label, None)
            return
        session.account = account
        session.lines = deque(session.lines, maxlen=self.session_lines)
        if session.tls:
            for step in self.steps:
                if step.tls and step.protocol == session.steps_of:
                    self._step_done(account, step.id, session.opened_at)
        self._replay_done(session)  # what was answered before (USER/PASS itself) counts
        self._tell(SessionNews(session), account)

    def _replay_done(self, session: LiveSession) -> None:
        """Steps the session's lines so far completed, now that its account is known."""
        conversation = Conversation(session.protocol)
        for shown in list(session.lines):
            exchange = conversation.feed(shown.line.direction, shown.line.text)
            if exchange is not None and exchange.positive:
                self._mark_done(session, exchange, shown.line.at)

    # -- what the pages read --------------------------------------------------------------

    def sessions_of(self, account: str) -> list[LiveSession]:
        """The student's open sessions, then the closed ones still kept, newest first."""
        self._prune()
        live = [s for s in self._open.values() if s.account == account]
        past = list(reversed(self._past.get(account, ())))
        return sorted(live, key=lambda s: -s.opened_at) + past

    def open_sessions(self) -> dict[str, list[LiveSession]]:
        """Each member's open sessions."""
        found: dict[str, list[LiveSession]] = {}
        for session in self._open.values():
            if session.account is not None:
                found.setdefault(session.account, []).append(session)
        return found

    def done(self) -> dict[str, dict[str, float]]:
        """Account -> step id -> when it was first done (a Unix time)."""
        return {account: dict(steps) for account, steps in self._done.items()}

    def _prune(self) -> None:
        limit = self._clock() - self.keep_seconds
        for account, past in list(self._past.items()):
            while past and (past[0].closed_at or 0) < limit:
                past.popleft()
            if not past:
                del self._past[account]

    # -- the record (hato.classroom.recorder) ---------------------------------------------

    def unsaved(self) -> tuple[list[LiveSession], dict[str, dict[str, float]]]:
        """The closed sessions and the steps done since the last call, now counted saved."""
        sessions = [
            session for past in self._past.values() for session in past if not session.saved
        ]
        for session in sessions:
            session.saved = True
        steps, self._unsaved = self._unsaved, {}
        return sessions, steps

    def requeue(self, sessions: Iterable[LiveSession], steps: dict[str, dict[str, float]]) -> None:
        """Sessions and steps that could not be saved: offered again by ``unsaved``."""
        for session in sessions:
            session.saved = False
        for account, done in steps.items():
            self._unsaved.setdefault(account, {}).update(done)

    def restore(self, steps: dict[str, dict[str, float]], sessions: Iterable[LiveSession]) -> None:
        """What the store kept of the lab, at the server's start."""
        for account, done in steps.items():
            mine = self._done.setdefault(account, {})
            for step, at in done.items():
                mine[step] = min(at, mine.get(step, at))
        for session in sessions:
            if session.account is not None:
                session.saved = True
                past = self._past.setdefault(session.account, deque(maxlen=self.past_sessions))
                past.append(session)

    # -- live viewers --------------------------------------------------------------------

    def subscribe(self, account: str | None = None) -> asyncio.Queue[News]:
        """News of ``account``'s sessions (None: of every student's), as it happens."""
        queue: asyncio.Queue[News] = asyncio.Queue(QUEUE)
        self._viewers.append(_Viewer(queue, account))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[News]) -> None:
        self._viewers = [viewer for viewer in self._viewers if viewer.queue is not queue]

    def version(self, account: str | None = None) -> int:
        """How much news of ``account`` (None: of anyone) there has been: a page shows it,
        and its stream, once subscribed, knows whether it missed any in between."""
        return self._news.get(account, 0)

    def _tell(self, news: News, account: str) -> None:
        self._news[account] = self._news.get(account, 0) + 1
        self._news[None] += 1
        for viewer in self._viewers:
            if viewer.account not in (None, account):
                continue
            try:
                viewer.queue.put_nowait(news)
            except asyncio.QueueFull:
                _drain(viewer.queue)
                viewer.queue.put_nowait(Resync())


def _drain(queue: asyncio.Queue[News]) -> None:
    while not queue.empty():
        queue.get_nowait()
