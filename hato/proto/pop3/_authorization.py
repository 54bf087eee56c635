"""AUTHORIZATION state commands (RFC 1939 §4, §7; RFC 2449; RFC 2595; RFC 5034).

Each handler takes the session and the raw argument text, appends its replies to
``session.out`` and may return a request event for the adapter. Credentials are
never judged here: they go out as CheckPassword / CheckApop / SaslResult.
"""

from __future__ import annotations

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
    Handler,
    Session,
)
from hato.proto.sasl import Challenge, KeysNeeded, PasswordCheck, Rejected
from hato.proto.sasl_driver import (
    PLAINTEXT_MECHANISMS,
    Action,
    Cancelled,
    Malformed,
    SaslDriver,
    Succeeded,
)

__all__ = ["COMMANDS", "sasl_response", "sasl_step"]

_HEX = frozenset(string.hexdigits)


def cmd_capa(session: Session, args: str) -> None:
    session.say(session.capabilities())


def cmd_quit(session: Session, args: str) -> None:
    session.say("+OK Logging out")


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
    """RFC 6856 §2: UTF-8 mode; without it, internationalized messages are sent
    downgraded (RFC 6858, hato.mime.as_legacy)."""
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
    nonce = session.config.scram_nonce
    session.sasl = SaslDriver(mechanism, nonce() if nonce else None)
    return sasl_step(session, session.sasl.start(initial or None))


def sasl_step(session: Session, action: Action) -> Event | None:
    """A continuation ("+ base64", RFC 5034 §4), a request event, or the -ERR it earns."""
    if isinstance(action, Challenge):
        session.say("+ " + action.encoded.decode())
        return None
    if isinstance(action, KeysNeeded):
        return FetchScramKeys(action.username)
    assert session.sasl is not None
    mechanism, session.sasl = session.sasl.mechanism, None
    match action:
        case PasswordCheck(username=name, password=password):
            return CheckPassword(name, password, mechanism)
        case Succeeded(username=name) | Rejected(username=name):
            return SaslResult(name, verified=isinstance(action, Succeeded), method=mechanism)
        case Cancelled():
            raise RemoteProtocolError("-ERR Authentication aborted by client.")
        case Malformed(initial=initial):
            where = "initial" if initial else "continued"
            raise RemoteProtocolError(f"-ERR [AUTH] Invalid base64 data in {where} response.")


def sasl_response(session: Session, line: bytes) -> Event | None:
    """A client line during AUTH: the driver reads it (RFC 5034 §4)."""
    assert session.sasl is not None
    return sasl_step(session, session.sasl.receive(line))


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
