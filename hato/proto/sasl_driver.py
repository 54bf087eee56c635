"""One SASL exchange, sequenced once for IMAP, POP3 and SMTP submission.

Theory of operation
-------------------
RFC 4422 §4 leaves the framing of SASL to each protocol's profile, and the
three profiles hato speaks agree on everything but the prefix of a challenge:
a challenge goes to the client as base64 ("+ " in IMAP, RFC 3501 §6.2.2, and
POP3, RFC 5034 §4; "334 " in SMTP, RFC 4954 §4), each response comes back as
one line of base64, a line "*" cancels the exchange, and the command may carry
an initial response, "=" when it is empty (RFC 4959 §3, RFC 5034 §4, RFC 4954
§4). The driver does all of that; a protocol writes each challenge behind its
prefix, hands over the next line, and words the end its own way.

    driver = SaslDriver("PLAIN")
    action = driver.start(initial)       # the command's initial response, or None
    Challenge        write prefix + action.encoded; action = driver.receive(line)
    KeysNeeded       action = driver.provide_keys(the user's ScramKeys, or None)
    PasswordCheck    the end: check the password (PLAIN, LOGIN)
    Succeeded        the end: a SCRAM proof verified, its server-final acknowledged
    Rejected         the end: a failed login (count it for the throttle)
    Cancelled        the end: the client sent "*"; no login was attempted
    Malformed        the end: a response that is not base64; no login was attempted

The driver only sequences: the mechanisms are hato.proto.sasl's, and whether
a password or an account is good is the application's to decide. SCRAM's
server-final message goes out as one more challenge, which the client answers
with an empty response (RFC 4954 §4, RFC 5034 §4: none of these profiles sends
additional data with the success reply).
"""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass

from hato.proto.sasl import (
    Challenge,
    KeysNeeded,
    LoginExchange,
    PasswordCheck,
    PlainExchange,
    Rejected,
    ScramExchange,
    ScramKeys,
    Step,
    Verified,
)

__all__ = [
    "MECHANISMS",
    "PLAINTEXT_MECHANISMS",
    "Action",
    "Cancelled",
    "Malformed",
    "SaslDriver",
    "SaslMisuse",
    "Succeeded",
]

MECHANISMS = ("PLAIN", "LOGIN", "SCRAM-SHA-256")
PLAINTEXT_MECHANISMS = frozenset({"PLAIN", "LOGIN"})  # the password crosses the wire


@dataclass(frozen=True, slots=True)
class Succeeded:
    """SCRAM: the client proved it knows the password of ``username``."""

    username: str


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The client answered a challenge with "*"."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """A response that is not base64; ``initial`` when it came with the command."""

    initial: bool


Action = Challenge | KeysNeeded | PasswordCheck | Succeeded | Rejected | Cancelled | Malformed


class SaslMisuse(RuntimeError):
    """The protocol called the driver out of turn (a bug in hato, not the client's)."""


class _Awaiting(enum.Enum):
    START = "start()"
    LINE = "receive()"
    KEYS = "provide_keys()"
    NOTHING = "nothing: the exchange is over"


class SaslDriver:
    """One AUTHENTICATE / AUTH exchange: client lines in, actions out."""

    def __init__(self, mechanism: str, scram_nonce: str | None = None) -> None:
        """``mechanism`` is one of MECHANISMS, upper-case; ``scram_nonce`` is for tests."""
        self.mechanism = mechanism
        self._exchange = _new_exchange(mechanism, scram_nonce)
        self._awaiting = _Awaiting.START
        self._verified: str | None = None  # SCRAM: whose server-final awaits an empty reply

    def start(self, initial: bytes | str | None) -> Action:
        """Begin, with the command's initial response (still base64) if it had one."""
        self._expect(_Awaiting.START)
        if initial is None:
            return self._step(self._exchange.start(None))
        data = _decode(initial)
        if data is None:
            return self._end(Malformed(initial=True))
        return self._step(self._exchange.start(data))

    def receive(self, line: bytes) -> Action:
        """The client's line after a Challenge (line ending removed)."""
        self._expect(_Awaiting.LINE)
        line = line.strip()
        if line == b"*":
            return self._end(Cancelled())
        data = _decode(line)
        if data is None:
            return self._end(Malformed(initial=False))
        if self._verified is not None:
            return self._end(_acknowledged(self._verified, data))
        return self._step(self._exchange.respond(data))

    def provide_keys(self, keys: ScramKeys | None) -> Action:
        """Answer KeysNeeded: the user's stored keys, or None when there is no such user."""
        self._expect(_Awaiting.KEYS)
        assert isinstance(self._exchange, ScramExchange)
        return self._step(self._exchange.provide_keys(keys))

    def _expect(self, awaited: _Awaiting) -> None:
        if self._awaiting is not awaited:
            raise SaslMisuse(f"{awaited.value} called while awaiting {self._awaiting.value}")

    def _step(self, step: Step) -> Action:
        if isinstance(step, Verified):
            self._verified = step.username
            step = Challenge(step.server_final)
        if isinstance(step, Challenge):
            self._awaiting = _Awaiting.LINE
        elif isinstance(step, KeysNeeded):
            self._awaiting = _Awaiting.KEYS
        else:
            self._awaiting = _Awaiting.NOTHING
        return step

    def _end(self, action: Action) -> Action:
        self._awaiting = _Awaiting.NOTHING
        return action


def _new_exchange(
    mechanism: str, scram_nonce: str | None
) -> PlainExchange | LoginExchange | ScramExchange:
    if mechanism == "PLAIN":
        return PlainExchange()
    if mechanism == "LOGIN":
        return LoginExchange()
    if mechanism == "SCRAM-SHA-256":
        return ScramExchange(scram_nonce)
    raise ValueError(f"unsupported SASL mechanism {mechanism!r}")


def _decode(text: bytes | str) -> bytes | None:
    """A response's octets, or None if it is not base64; "=" is the empty response."""
    if text in (b"=", "="):
        return b""
    if isinstance(text, str) and not text.isascii():
        return None
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        return None


def _acknowledged(username: str, data: bytes) -> Succeeded | Rejected:
    """RFC 5802 §5: after server-final the client sends an empty response."""
    if data:
        return Rejected(username, "server-final not acknowledged with an empty response")
    return Succeeded(username)
