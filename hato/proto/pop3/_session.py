"""Per-session state shared by the command handlers, and the fixed reply texts.

The texts are Dovecot 2.3's (src/pop3-login, src/pop3), so the lecture's
transcripts read the same against hato.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from hato.proto.pop3._events import Event
from hato.proto.pop3._maildrop import Maildrop
from hato.proto.sasl_driver import MECHANISMS, PLAINTEXT_MECHANISMS, SaslDriver

__all__ = ["Config", "Handler", "Session", "State"]

AUTH_FAILED = "-ERR [AUTH] Authentication failed."
PLAINTEXT_DISALLOWED = (
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."
)
LINE_TOO_LONG = "-ERR Input line too long."
DEFAULT_MECHANISMS = MECHANISMS

# RFC 2449 §5 capabilities in Dovecot's order; STLS, USER and SASL follow as allowed.
_BASE_CAPABILITIES = ("CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE")


class State(enum.Enum):
    """RFC 1939 §3 session states (UPDATE lasts while the Commit is carried out)."""

    AUTHORIZATION = "authorization"
    TRANSACTION = "transaction"
    UPDATE = "update"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Config:
    """What the adapter decides once per connection."""

    plaintext_allowed: bool
    tls_active: bool
    tls_available: bool
    apop_timestamp: str | None
    mechanisms: tuple[str, ...]
    implementation: str
    scram_nonce: Callable[[], str] | None


@dataclass(slots=True)
class Session:
    """Everything a handler may read or change; replies accumulate in ``out``."""

    config: Config
    state: State = State.AUTHORIZATION
    out: bytearray = field(default_factory=bytearray)
    user: str | None = None  # from USER, waiting for PASS
    sasl: SaslDriver | None = None  # an AUTH exchange under way
    maildrop: Maildrop | None = None
    bad_commands: int = 0
    utf8: bool = False

    def say(self, line: str) -> None:
        self.out += line.encode()
        self.out += b"\r\n"

    @property
    def plaintext_ok(self) -> bool:
        """RFC 2595 §2.2: cleartext passwords only when allowed (see docs/architecture.md)."""
        return self.config.plaintext_allowed or self.config.tls_active

    def mechanisms(self) -> list[str]:
        """SASL mechanisms on offer now (PLAIN and LOGIN only when plaintext is ok)."""
        offered = self.config.mechanisms
        if self.plaintext_ok:
            return list(offered)
        return [m for m in offered if m not in PLAINTEXT_MECHANISMS]

    def capabilities(self) -> str:
        """The CAPA reply (RFC 2449 §5), multi-line and dot-ended."""
        lines = ["+OK", *_BASE_CAPABILITIES]
        if self.state is State.AUTHORIZATION:
            lines += self._login_capabilities()
        lines += [f"IMPLEMENTATION {self.config.implementation}", "."]
        return "\r\n".join(lines)

    def _login_capabilities(self) -> list[str]:
        lines = []
        if self.config.tls_available and not self.config.tls_active:
            lines.append("STLS")
        if self.plaintext_ok:
            lines.append("USER")
        lines.append(" ".join(["SASL", *self.mechanisms()]))
        lines.append("UTF8")  # RFC 6856 §2
        return lines


Handler = Callable[[Session, str], Event | None]
