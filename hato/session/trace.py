"""Session transcripts: every session's exchange, one line each way, secrets redacted.

Lines go to the log with ``--trace`` (logger ``hato.trace``, so with time stamps,
see ``hato.logs``) as ``<service>#<n> C: ...`` (client), ``S: ...`` (server) or
``*: ...`` (a note), and to the ``TraceObserver`` the server wires (the classroom's
monitor, which shows them live to the teacher). Protocol code decides what is
secret and passes the redacted form (``[REDACTED]`` for passwords and SASL
data); this module numbers sessions, cuts long replies short, and says what it
knows of a session besides its lines: its account once it has logged in and
whether it runs over TLS.

A line costs nothing when there is neither a log nor an observer; with an
observer only, the observer decides what it wants: its ``line`` and ``changed``
answer false for a session it has no use for (the monitor keeps only the sessions
of class members, see hato/classroom/monitor.py), and from then on that session's
``enabled`` is false, so the protocol code does no tracing work for it.
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass
from typing import Protocol

from hato.logs import printable

__all__ = [
    "REDACTED",
    "SessionTrace",
    "TraceLine",
    "TraceObserver",
    "Tracer",
    "session_trace",
    "trace_output",
]

_TRACE_LINES = 10  # lines of one long reply shown in the trace

REDACTED = "[REDACTED]"


@dataclass(frozen=True, slots=True)
class TraceLine:
    """One line of a transcript: ``direction`` is ``C`` (what the client sent), ``S``
    (what the server answered) or ``*`` (a note: connection, TLS, close); ``text`` is
    printable, redacted and shortened; ``at`` a Unix time."""

    direction: str
    text: str
    at: float


class TraceObserver(Protocol):
    """What the server wires to hear every session: its opening, each line, each change
    of what is known of it (login, TLS), its close. Called on the event loop, so each
    call must be quick and never block (queue, do not wait). ``line`` and ``changed``
    answer whether the observer still wants to hear of the session."""

    def opened(self, trace: SessionTrace) -> None: ...

    def line(self, trace: SessionTrace, line: TraceLine) -> bool: ...

    def changed(self, trace: SessionTrace) -> bool: ...

    def closed(self, trace: SessionTrace) -> None: ...


def _printable_lines(line: bytes | str) -> list[str]:
    text = line.decode("utf-8", "backslashreplace") if isinstance(line, bytes) else line
    return [printable(part) for part in text.rstrip("\r\n").split("\r\n")]


class SessionTrace:
    """The transcript of one session; a no-op without a tracer.

    ``label`` names the session (``imap#12``); ``account`` is set once it logged in
    (``logged_in``), ``tls`` once it runs over TLS (at once on POP3S/IMAPS,
    ``secured`` after STARTTLS).
    """

    def __init__(
        self,
        tracer: Tracer | None,
        label: str,
        service: str = "",
        peer: str = "",
        tls: bool = False,
    ) -> None:
        self._tracer = tracer
        self.label = label
        self.service = service or label.partition("#")[0]
        self.peer = peer
        self.tls = tls
        self.account: str | None = None
        self.opened_at = time.time()
        self.watched = tracer is not None  # the observer still wants this session's lines

    @property
    def enabled(self) -> bool:
        """Whether a line would go anywhere (protocol code skips its tracing otherwise)."""
        return self._tracer is not None and (self._tracer.logs or self.watched)

    def client(self, line: bytes | str) -> None:
        if self._tracer is not None:
            self._tracer.write(self, "C", line)

    def server(self, line: bytes | str) -> None:
        if self._tracer is not None:
            self._tracer.write(self, "S", line)

    def note(self, text: str) -> None:
        if self._tracer is not None:
            self._tracer.write(self, "*", text)

    def logged_in(self, account: str) -> None:
        """The session is ``account``'s from now on (its earlier lines too)."""
        self.account = account
        if self._tracer is not None:
            self._tracer.changed(self)

    def secured(self) -> None:
        """TLS started (STARTTLS, STLS)."""
        self.tls = True
        if self._tracer is not None:
            self._tracer.changed(self)

    def closed(self) -> None:
        if self._tracer is not None:
            self._tracer.write(self, "*", "disconnected")
            self._tracer.closed(self)


class Tracer:
    """Numbers sessions and hands their lines to the log (``log``) and the observer."""

    def __init__(self, log: bool = True, observer: TraceObserver | None = None) -> None:
        self._log = logging.getLogger("hato.trace") if log else None
        self._observer = observer
        self._numbers = itertools.count(1)

    @property
    def logs(self) -> bool:
        return self._log is not None

    def observe(self, observer: TraceObserver) -> None:
        """Tell ``observer`` of the sessions opened from now on (the server's class monitor,
        loaded once there is a class); those open already stay unheard."""
        self._observer = observer

    def session(self, service: str, peer: str, tls: bool = False) -> SessionTrace:
        trace = SessionTrace(self, f"{service}#{next(self._numbers)}", service, peer, tls)
        if self._observer is not None:
            self._observer.opened(trace)
        else:
            trace.watched = False
        trace.note(f"connection from {peer}" + (" over TLS" if tls else ""))
        return trace

    def write(self, trace: SessionTrace, direction: str, line: bytes | str) -> None:
        now = time.time()
        for part in _printable_lines(line):
            if self._log is not None:
                self._log.info("%s %s: %s", trace.label, direction, part)
            if self._observer is not None and trace.watched:
                trace.watched = self._observer.line(trace, TraceLine(direction, part, now))

    def changed(self, trace: SessionTrace) -> None:
        if self._observer is not None and trace.watched:
            trace.watched = self._observer.changed(trace)

    def closed(self, trace: SessionTrace) -> None:
        if self._observer is not None and trace.watched:
            self._observer.closed(trace)


def session_trace(
    tracer: Tracer | None, service: str, peer: str, tls: bool = False
) -> SessionTrace:
    if tracer is None:
        return SessionTrace(None, service, service, peer, tls)
    return tracer.session(service, peer, tls)


def trace_output(trace: SessionTrace, data: bytes, redact: bool = False) -> None:
    """Trace what the server sends: a long multi-line answer (a message, a listing) as
    its first lines and a count of the rest, found without splitting all of it."""
    if not trace.enabled:
        return
    if redact:
        trace.server(REDACTED)
        return
    lines = data.split(b"\r\n", _TRACE_LINES)
    rest = lines.pop() if len(lines) > _TRACE_LINES else b""
    if lines and not lines[-1]:
        lines.pop()
    for line in lines:
        trace.server(line)
    if rest:
        more = rest.count(b"\r\n") + (not rest.endswith(b"\r\n"))
        trace.server(f"[... {more} more lines, {len(rest):,} octets]")
