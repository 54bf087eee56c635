"""``--trace``: every session's exchange, one line each way, secrets redacted.

Lines go to the log (logger ``hato.trace``, so with time stamps, see
``hato.logs``) as ``<service>#<n> C: ...`` (client), ``S: ...`` (server) or
``*: ...`` (a note). Protocol code decides what is secret and passes the
redacted form; this module only numbers sessions and writes lines.
"""

from __future__ import annotations

import itertools
import logging

from hato.logs import printable

__all__ = ["REDACTED", "SessionTrace", "Tracer", "trace_output"]

_TRACE_LINES = 10  # lines of one long reply shown in the trace

REDACTED = "[REDACTED]"


def _printable_lines(line: bytes | str) -> list[str]:
    text = line.decode("utf-8", "backslashreplace") if isinstance(line, bytes) else line
    return [printable(part) for part in text.rstrip("\r\n").split("\r\n")]


class SessionTrace:
    """The trace of one session; a no-op when tracing is off."""

    def __init__(self, tracer: Tracer | None, label: str) -> None:
        self._tracer = tracer
        self.label = label

    @property
    def enabled(self) -> bool:
        return self._tracer is not None

    def client(self, line: bytes | str) -> None:
        if self._tracer is not None:
            self._tracer.write(self.label, "C", line)

    def server(self, line: bytes | str) -> None:
        if self._tracer is not None:
            self._tracer.write(self.label, "S", line)

    def note(self, text: str) -> None:
        if self._tracer is not None:
            self._tracer.write(self.label, "*", text)


class Tracer:
    def __init__(self) -> None:
        self._log = logging.getLogger("hato.trace")
        self._numbers = itertools.count(1)

    def session(self, service: str, peer: str) -> SessionTrace:
        trace = SessionTrace(self, f"{service}#{next(self._numbers)}")
        trace.note(f"connection from {peer}")
        return trace

    def write(self, label: str, direction: str, line: bytes | str) -> None:
        for part in _printable_lines(line):
            self._log.info("%s %s: %s", label, direction, part)


def session_trace(tracer: Tracer | None, service: str, peer: str) -> SessionTrace:
    return tracer.session(service, peer) if tracer else SessionTrace(None, service)


def trace_output(trace: SessionTrace, data: bytes, redact: bool = False) -> None:
    """Trace what the server sends: long multi-line replies are shortened."""
    if not trace.enabled:
        return
    if redact:
        trace.server("[REDACTED]")
        return
    lines = data.split(b"\r\n")
    if lines and not lines[-1]:
        lines.pop()
    for line in lines[:_TRACE_LINES]:
        trace.server(line)
    if len(lines) > _TRACE_LINES:
        trace.server(f"[... {len(lines) - _TRACE_LINES} more lines]")
