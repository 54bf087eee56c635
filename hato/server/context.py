"""What every protocol adapter is given: configuration, store and authenticator."""

from __future__ import annotations

from dataclasses import dataclass, field

from hato.auth.authenticator import Authenticator
from hato.auth.policy import plaintext_allowed
from hato.config import Config
from hato.server.budget import ByteBudget
from hato.server.listener import Connection
from hato.server.trace import SessionTrace
from hato.store.base import Store

__all__ = ["ServiceContext", "trace_output"]

_TRACE_LINES = 10


@dataclass(frozen=True, slots=True)
class ServiceContext:
    config: Config
    store: Store
    authenticator: Authenticator
    append_budget: ByteBudget = field(default_factory=ByteBudget)  # one for all sessions

    def plaintext_ok(self, connection: Connection) -> bool:
        """The plaintext invariant (docs/architecture.md): over TLS, loopback, or in class."""
        return plaintext_allowed(
            secure=connection.secure, peer=connection.peer, classroom=self.config.classroom
        )


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
