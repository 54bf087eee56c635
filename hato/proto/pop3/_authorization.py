"""AUTHORIZATION state commands (RFC 1939 §4, §7; RFC 2449; RFC 2595; RFC 5034).

Each handler takes the session and the raw argument text, appends its replies to
``session.out`` and may return a request event for the adapter. Credentials are
never judged here: they go out as CheckPassword / CheckApop / SaslResult.
"""

from __future__ import annotations

import base64
import binascii
import string

from hato.proto.pop3._events import (
    CheckApop,
    CheckPassword,
    Event,
    FetchScramKeys,
    RemoteProtocolError,
    SaslResult,
    StartTls,
)
from hato.proto.pop3._session import (
    PLAINTEXT_DISALLOWED,
    PLAINTEXT_MECHANISMS,
    Exchange,
    Handler,
    Session,
    State,
)
from hato.proto.sasl import (
    Challenge,
    KeysNeeded,
    LoginExchange,
    PasswordCheck,
    PlainExchange,
    Rejected,
    ScramExchange,
    Step,
    Verified,
)

__all__ = ["COMMANDS", "sasl_response", "sasl_step"]

_HEX = frozenset(string.hexdigits)
_BAD_BASE64 = "-ERR [AUTH] Invalid base64 data in "


def cmd_capa(session: Session, args: str) -> None:
    session.say(session.capabilities())


def cmd_quit(session: Session, args: str) -> None:
    session.say("+OK Logging out")
    session.state = State.CLOSED


def cmd_user(session: Session, args: str) -> None:
    """RFC 1939 §7 USER name: remembered until PASS."""
    if not session.plaintext_ok:
        raise RemoteProtocolError(PLAINTEXT_DISALLOWED)
    session.user = args
    session.say("+OK")


def cmd_pass(session: Session, args: str) -> Event | None:
    """RFC 1939 §7 PASS string: the whole rest of the line is the password."""
    user, session.user = session.user, None
    if user is None:
        if not session.plaintext_ok:
            raise RemoteProtocolError(PLAINTEXT_DISALLOWED)
        raise RemoteProtocolError("-ERR No username given.")
    return CheckPassword(user, args)


def cmd_apop(session: Session, args: str) -> Event | None:
    """RFC 1939 §7 APOP name digest: digest is 32 hex digits of MD5(timestamp + secret)."""
    timestamp = session.config.apop_timestamp
    if timestamp is None:
        raise RemoteProtocolError("-ERR APOP not enabled.")
    user, space, digest = args.partition(" ")
    if not space or len(digest) != 32:
        raise RemoteProtocolError("-ERR Invalid parameters.")
    if not _HEX.issuperset(digest):
        raise RemoteProtocolError("-ERR Invalid characters in MD5 response.")
    return CheckApop(user, timestamp, digest.lower())


def cmd_stls(session: Session, args: str) -> Event | None:
    """RFC 2595 §4 STLS; the connection then drops pipelined input (CVE-2011-0411)."""
    if session.config.tls_active:
        raise RemoteProtocolError("-ERR TLS is already active.")
    if not session.config.tls_available:
        raise RemoteProtocolError("-ERR TLS support isn't enabled.")
    session.say("+OK Begin TLS negotiation now.")
    return StartTls()


def cmd_utf8(session: Session, args: str) -> None:
    """RFC 6856 §2: UTF-8 mode; hato sends messages unchanged either way."""
    session.utf8 = True
    session.say("+OK UTF8 enabled")


def cmd_auth(session: Session, args: str) -> Event | None:
    """RFC 5034 §4 AUTH mechanism [initial-response]; bare AUTH lists mechanisms."""
    if not args:
        session.say("\r\n".join(["+OK", *session.mechanisms(), "."]))
        return None
    name, _, initial = args.partition(" ")
    mechanism = name.upper()
    if mechanism not in session.config.mechanisms:
        raise RemoteProtocolError("-ERR [AUTH] Unsupported authentication mechanism.")
    if mechanism in PLAINTEXT_MECHANISMS and not session.plaintext_ok:
        raise RemoteProtocolError(PLAINTEXT_DISALLOWED)
    response = _initial_response(initial) if initial else None
    session.sasl = _exchange(session, mechanism)
    return sasl_step(session, session.sasl.start(response))


def _initial_response(text: str) -> bytes:
    """RFC 5034 §4: base64, or "=" for an empty initial response."""
    try:
        return b"" if text == "=" else base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or characters that are not ASCII
        raise RemoteProtocolError(_BAD_BASE64 + "initial response.") from None


def _exchange(session: Session, mechanism: str) -> Exchange:
    if mechanism == "PLAIN":
        return PlainExchange()
    if mechanism == "LOGIN":
        return LoginExchange()
    nonce = session.config.scram_nonce
    return ScramExchange(nonce() if nonce else None)


def sasl_step(session: Session, step: Step) -> Event | None:
    """Turn a SASL step into a continuation ("+ base64") or a request event."""
    if isinstance(step, Challenge | Verified):
        data = step.data if isinstance(step, Challenge) else step.server_final
        session.say("+ " + base64.b64encode(data).decode())
        if isinstance(step, Verified):
            session.sasl_verified = step.username  # Dovecot: final data, then empty reply
        return None
    if isinstance(step, KeysNeeded):
        return FetchScramKeys(step.username)
    assert session.sasl is not None
    mechanism, session.sasl = session.sasl.mechanism, None
    if isinstance(step, PasswordCheck):
        return CheckPassword(step.username, step.password, mechanism)
    assert isinstance(step, Rejected)
    return SaslResult(step.username, verified=False, method=mechanism)


def sasl_response(session: Session, line: bytes) -> Event | None:
    """A client line during AUTH: "*" cancels (RFC 5034 §4), otherwise base64."""
    exchange, verified = session.sasl, session.sasl_verified
    assert exchange is not None
    if line == b"*":
        session.sasl = session.sasl_verified = None
        raise RemoteProtocolError("-ERR Authentication aborted by client.")
    if verified is not None:
        session.sasl = session.sasl_verified = None
        return SaslResult(verified, verified=line == b"", method=exchange.mechanism)
    try:
        data = base64.b64decode(line, validate=True)
    except binascii.Error:
        session.sasl = None
        raise RemoteProtocolError(
            "-ERR [AUTH] Invalid base64 data in continued response."
        ) from None
    return sasl_step(session, exchange.respond(data))


COMMANDS: dict[str, Handler] = {
    "CAPA": cmd_capa,
    "USER": cmd_user,
    "PASS": cmd_pass,
    "AUTH": cmd_auth,
    "APOP": cmd_apop,
    "STLS": cmd_stls,
    "UTF8": cmd_utf8,
    "QUIT": cmd_quit,
}
