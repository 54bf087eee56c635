"""Not-authenticated state (RFC 3501 §6.2): STARTTLS, AUTHENTICATE, LOGIN; and the way
back to it, UNAUTHENTICATE (RFC 8437).

AUTHENTICATE runs the shared SASL driver (hato.proto.sasl_driver): PLAIN
(RFC 4616), LOGIN and SCRAM-SHA-256 (RFC 5802, RFC 7677), with an initial
response per SASL-IR (RFC 4959).  Plaintext mechanisms and LOGIN are
refused unless `plaintext_allowed` (RFC 3501 §6.2.3 LOGINDISABLED).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from hato.auth.authenticator import LoginAttempt
from hato.imap.reply import Reply, bad, no
from hato.proto import imap as c
from hato.proto.imap import Outcome, SaslResponse, continuation
from hato.proto.sasl_driver import (
    MECHANISMS,
    PLAINTEXT_MECHANISMS,
    Cancelled,
    Malformed,
    SaslDriver,
)

if TYPE_CHECKING:
    from hato.imap.session import ImapSession
    from hato.store.base import Account

__all__: list[str] = []

_FAILED = "Authentication failed."
_PLAINTEXT_REFUSED = "Plaintext authentication disallowed on non-secure (SSL/TLS) connections."


async def starttls(session: ImapSession, cmd: c.StartTLS) -> Reply:
    """RFC 3501 §6.2.1: OK, then the handshake; pipelined plaintext is dropped."""
    if not session.transport.can_start_tls:
        raise bad("TLS is already active." if session.transport.secure else "TLS not available.")

    async def handshake() -> None:
        await session.transport.start_tls()
        session.reset_reader()

    return Reply("Begin TLS negotiation now.", then=handshake)


async def login(session: ImapSession, cmd: c.Login) -> Reply:
    """RFC 3501 §6.2.3."""
    if not session.plaintext_allowed:
        raise no(_PLAINTEXT_REFUSED, "PRIVACYREQUIRED")
    auth = session.context.authenticator
    account = await auth.password(cmd.username, cmd.password, _attempt(session, "LOGIN"))
    return _logged_in(session, account)


async def authenticate(session: ImapSession, cmd: c.Authenticate) -> Reply:
    """RFC 3501 §6.2.2: challenges as `+ base64`, responses one line each."""
    mechanism = cmd.mechanism.upper()
    if mechanism not in MECHANISMS:
        raise no("Unsupported authentication mechanism.")
    if mechanism in PLAINTEXT_MECHANISMS and not session.plaintext_allowed:
        raise no(_PLAINTEXT_REFUSED, "PRIVACYREQUIRED")
    auth, attempt = session.context.authenticator, _attempt(session, mechanism)
    converse = partial(_response, session)
    outcome = await auth.sasl(SaslDriver(mechanism), cmd.initial_response, attempt, converse)
    if isinstance(outcome, Cancelled):
        raise bad("Authentication aborted by client.")
    if isinstance(outcome, Malformed):
        raise bad("Invalid base64 data in continued response")
    return _logged_in(session, outcome)


async def unauthenticate(session: ImapSession, cmd: c.Unauthenticate) -> Reply:
    """RFC 8437 §3: the selected mailbox is left as UNSELECT leaves it (nothing expunged),
    the account and what was ENABLEd are forgotten, TLS and COMPRESS stay; the client may
    log in again, as the same account or another."""
    session.logged_out()
    return Reply("Unauthenticate completed.", outcome=Outcome.UNAUTHENTICATED)


def _attempt(session: ImapSession, method: str) -> LoginAttempt:
    return LoginAttempt("imap", method, session.transport.peer)


def _logged_in(session: ImapSession, account: Account | None) -> Reply:
    if account is None:
        raise no(_FAILED, "AUTHENTICATIONFAILED")
    return session.logged_in(account)


async def _response(session: ImapSession, challenge: bytes) -> bytes:
    """Send one challenge and read the client's line (RFC 3501 §6.2.2)."""
    session.send(continuation(challenge))
    session.reader.expect_sasl_response()
    session.secret_input = True
    try:
        event = await session.next_event()
    finally:
        session.secret_input = False
    if not isinstance(event, SaslResponse):  # the reader's limit: a line too long
        raise bad("Authentication response too long.")
    return event.data
