"""What the POP3 core tells its adapter, and how the adapter can misuse it.

``Reply`` carries bytes the core produced on its own. Every other event is a
*request*: the adapter does the store or TLS work and answers with the method
named in the event's docstring; that method returns the bytes to send. Until the
request is answered the core reads no further command (one command at a time,
which keeps pipelined replies in order, RFC 2449 §6.6).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hato.store.base import ScramKeys

__all__ = [
    "CLOSED",
    "NEED_DATA",
    "CheckApop",
    "CheckPassword",
    "Commit",
    "Event",
    "FetchScramKeys",
    "LocalProtocolError",
    "RemoteProtocolError",
    "Reply",
    "Retrieve",
    "SaslResult",
    "ScramKeys",
    "Signal",
    "StartTls",
]


class Signal(enum.Enum):
    """``next_event()`` results that are not events."""

    NEED_DATA = "need data"  # feed receive_data() with more bytes from the client
    CLOSED = "closed"  # everything is said: close the connection


NEED_DATA = Signal.NEED_DATA
CLOSED = Signal.CLOSED


class LocalProtocolError(RuntimeError):
    """The adapter broke the contract (answered nothing pending, or skipped an answer)."""


class RemoteProtocolError(Exception):
    """The client's mistake; ``reply`` is the -ERR line it earns (the session goes on)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True, slots=True)
class Reply:
    """Bytes to write to the client, in order; no answer is expected."""

    data: bytes


@dataclass(frozen=True, slots=True)
class CheckPassword:
    """USER/PASS or AUTH PLAIN/LOGIN: answer ``auth_succeeded()`` or ``auth_failed()``.

    ``method`` is ``USER`` or the SASL mechanism, for the log.
    """

    user: str
    password: str
    method: str = "USER"


@dataclass(frozen=True, slots=True)
class CheckApop:
    """APOP (RFC 1939 §7): succeed when ``digest == md5(timestamp + secret).hexdigest()``.

    Answer ``auth_succeeded()`` or ``auth_failed()``; ``digest`` is lower-case hex.
    """

    user: str
    timestamp: str
    digest: str


@dataclass(frozen=True, slots=True)
class FetchScramKeys:
    """AUTH SCRAM-SHA-256: answer ``scram_keys(keys)``, or ``scram_keys(None)`` if unknown."""

    user: str


@dataclass(frozen=True, slots=True)
class SaslResult:
    """The core ran an AUTH exchange to its end (SCRAM proof checked, or a malformed
    or refused message): answer ``auth_succeeded()`` or ``auth_failed()``.

    ``verified`` False is a failed login: count it for the throttle, then fail.
    ``method`` is the SASL mechanism, for the log.
    """

    user: str
    verified: bool
    method: str


@dataclass(frozen=True, slots=True)
class StartTls:
    """STLS accepted and its +OK already sent: do the handshake, then ``tls_established()``.

    If the handshake fails, close the connection.
    """


@dataclass(frozen=True, slots=True)
class Retrieve:
    """RETR (``top_lines`` None: mark it \\Seen) or TOP: answer ``send_message(content)``.

    ``number`` is 1-based into the maildrop given to ``auth_succeeded()``. Answer
    ``message_vanished()`` if the store no longer has it.
    """

    number: int
    uid: str
    top_lines: int | None


@dataclass(frozen=True, slots=True)
class Commit:
    """QUIT in TRANSACTION (RFC 1939 §6 UPDATE): delete these, then ``commit_done()``.

    Answer ``commit_failed()`` if the deletion did not happen. Never emitted for a
    dropped connection.
    """

    numbers: tuple[int, ...]
    uids: tuple[str, ...]


Event = (
    Reply | CheckPassword | CheckApop | FetchScramKeys | SaslResult | StartTls | Retrieve | Commit
)
