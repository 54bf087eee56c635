"""Not-authenticated state (RFC 3501 §6.2): STARTTLS, AUTHENTICATE, LOGIN.

AUTHENTICATE runs the shared sans-IO SASL exchanges (hato.proto.sasl):
PLAIN (RFC 4616), LOGIN and SCRAM-SHA-256 (RFC 5802, RFC 7677), with an
initial response per SASL-IR (RFC 4959).  Plaintext mechanisms and LOGIN are
refused unless `plaintext_allowed` (RFC 3501 §6.2.3 LOGINDISABLED).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from hato.auth.authenticator import LoginAttempt
from hato.imap.registry import command
from hato.imap.reply import Reply, bad, no
from hato.proto import imap as c
from hato.proto import sasl
from hato.proto.imap import SaslResponse, continuation

if TYPE_CHECKING:
    from hato.imap.session import ImapSession
    from hato.store.base import Account

__all__: list[str] = []

_FAILED = "Authentication failed."
_PLAINTEXT_REFUSED = "Plaintext authentication disallowed on non-secure (SSL/TLS) connections."
Exchange = sasl.PlainExchange | sasl.LoginExchange | sasl.ScramExchange


@command(c.StartTLS)
async def starttls(session: ImapSession, cmd: c.StartTLS) -> Reply:
    """RFC 3501 §6.2.1: OK, then the handshake; pipelined plaintext is dropped."""
    if not session.transport.can_start_tls:
        raise bad("TLS is already active." if session.transport.secure else "TLS not available.")

    async def handshake() -> None:
        await session.transport.start_tls()
        session.reset_reader()

    return Reply("Begin TLS negotiation now.", then=handshake)


@command(c.Login)
async def login(session: ImapSession, cmd: c.Login) -> Reply:
    """RFC 3501 §6.2.3."""
    if not session.plaintext_allowed:
        raise no(_PLAINTEXT_REFUSED, "PRIVACYREQUIRED")
    auth = session.context.authenticator
    account = await auth.password(cmd.username, cmd.password, _attempt(session, "LOGIN"))
    return _logged_in(session, account)


def _exchange(mechanism: str) -> Exchange:
    if mechanism == "PLAIN":
        return sasl.PlainExchange()
    if mechanism == "LOGIN":
        return sasl.LoginExchange()
    return sasl.ScramExchange()


@command(c.Authenticate)
async def authenticate(session: ImapSession, cmd: c.Authenticate) -> Reply:
    """RFC 3501 §6.2.2: challenges as `+ base64`, responses one line each."""
    mechanism = cmd.mechanism.upper()
    if mechanism not in ("PLAIN", "LOGIN", "SCRAM-SHA-256"):
        raise no("Unsupported authentication mechanism.")
    if mechanism != "SCRAM-SHA-256" and not session.plaintext_allowed:
        raise no(_PLAINTEXT_REFUSED, "PRIVACYREQUIRED")
    exchange = _exchange(mechanism)
    initial = None if cmd.initial_response is None else _decode(cmd.initial_response)
    return await _run(session, exchange, exchange.start(initial))


async def _run(session: ImapSession, exchange: Exchange, step: sasl.Step) -> Reply:
    auth = session.context.authenticator
    attempt = _attempt(session, exchange.mechanism)
    while True:
        if isinstance(step, sasl.Challenge):
            step = exchange.respond(await _response(session, step.data))
        elif isinstance(step, sasl.PasswordCheck):
            account = await auth.password(step.username, step.password, attempt)
            return _logged_in(session, account)
        elif isinstance(step, sasl.KeysNeeded):
            assert isinstance(exchange, sasl.ScramExchange)
            found = await auth.scram_keys(step.username, attempt)
            step = exchange.provide_keys(found[1] if found else None)
        elif isinstance(step, sasl.Verified):
            await _response(session, step.server_final)
            return _logged_in(session, await auth.concluded(True, step.username, attempt))
        else:
            return _logged_in(session, await auth.concluded(False, step.username, attempt))


def _attempt(session: ImapSession, method: str) -> LoginAttempt:
    return LoginAttempt("imap", method, session.transport.peer)


def _logged_in(session: ImapSession, account: Account | None) -> Reply:
    if account is None:
        raise no(_FAILED, "AUTHENTICATIONFAILED")
    return session.logged_in(account)


async def _response(session: ImapSession, challenge: bytes) -> bytes:
    """Send one challenge and read the client's line (RFC 3501 §6.2.2)."""
    session.send(continuation(base64.b64encode(challenge)))
    session.reader.expect_sasl_response()
    session.secret_input = True
    try:
        event = await session.next_event()
    finally:
        session.secret_input = False
    if not isinstance(event, SaslResponse):  # the reader's limit: a line too long
        raise bad("Authentication response too long.")
    if event.cancelled:
        raise bad("Authentication aborted by client.")
    return _decode(event.data.strip())


def _decode(data: bytes) -> bytes:
    if data == b"=":
        return b""
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error:
        raise bad("Invalid base64 data in continued response") from None
