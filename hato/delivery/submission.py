"""Mail from our own users: the aiosmtpd handler behind submission (RFC 6409).

- AUTH (RFC 4954) with PLAIN, LOGIN and SCRAM-SHA-256, run by the sans-IO
  exchanges of ``hato.proto.sasl`` and checked by the shared ``Authenticator``
  (so the failed-login throttle applies). The listener requires AUTH before
  MAIL (``530 5.7.0``) and offers it only under TLS (RFC 8314 §3).
- MAIL FROM must be an address of the authenticated account: ``NAME@`` or
  ``NAME+detail@`` a local domain, or an alias that leads to it (RFC 6409 §6.1
  lets the server check this); else ``553 5.7.1``.
- RCPT may name anyone: local addresses are checked now, others are relayed.
- DATA fixes the message up (RFC 6409 §8, ``hato.delivery.fixup``), then
  stores the local copies and queues the remote recipients in one durable
  transaction before answering 250.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, Session

from hato.auth.authenticator import Authenticator, LoginAttempt
from hato.delivery.dispatch import Targets, commit, log_delivery, route
from hato.delivery.fixup import fix_up
from hato.delivery.inbound import (
    BAD_SENDER,
    InboundHandler,
    InboundSettings,
    is_sender,
    log,
    normalize_line_ends,
    unavailable_reply,
)
from hato.delivery.manners_policy import MannersPolicy
from hato.delivery.recipients import Lookup
from hato.manners import Finding
from hato.proto import sasl
from hato.store.base import Account, Store, StoreUnavailable

__all__ = ["SubmissionHandler"]

_Exchange = sasl.PlainExchange | sasl.LoginExchange | sasl.ScramExchange
_TEMPFAIL = "451 4.3.0 Error: submission failed, try again later"
_AUTH_TEMPFAIL = "454 4.7.0 Temporary authentication failure"


class SubmissionHandler(InboundHandler):
    """aiosmtpd hooks and AUTH mechanisms (``auth_*``) for authenticated senders."""

    relays = True  # authenticated senders may send to any domain (RFC 6409 §4)

    def __init__(
        self,
        store: Store,
        settings: InboundSettings,
        authenticator: Authenticator,
        queued: Callable[[], None] = lambda: None,
        manners: MannersPolicy | None = None,
    ) -> None:
        super().__init__(store, settings)
        self.authenticator = authenticator
        self.queued = queued
        self.manners = manners

    async def auth_PLAIN(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._sasl(server, args, sasl.PlainExchange())

    async def auth_LOGIN(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._sasl(server, args, sasl.LoginExchange())

    async def auth_SCRAM__SHA__256(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._sasl(server, args, sasl.ScramExchange())

    async def _sasl(self, server: SMTP, args: list[str], exchange: _Exchange) -> AuthResult:
        """Run one exchange; RFC 4954 §4: base64 in 334 challenges, ``=`` is empty."""
        initial: bytes | None = None
        if len(args) > 1:
            try:
                initial = b"" if args[1] == "=" else base64.b64decode(args[1], validate=True)
            except ValueError:  # binascii.Error, or characters that are not ASCII
                await server.push("501 5.5.2 Cannot decode base64")
                return AuthResult(success=False, handled=True)
        attempt = LoginAttempt("submission", exchange.mechanism, _peer(server.session))
        try:
            return await self._drive(server, exchange, exchange.start(initial), attempt)
        except StoreUnavailable:  # RFC 4954 §6: the account could not be looked up now
            return AuthResult(success=False, handled=False, message=_AUTH_TEMPFAIL)

    async def _drive(
        self, server: SMTP, exchange: Any, step: sasl.Step, attempt: LoginAttempt
    ) -> AuthResult:
        auth = self.authenticator
        while True:
            match step:
                case sasl.Challenge(data=data):
                    reply = await server.challenge_auth(data)
                    if reply is MISSING:
                        return AuthResult(success=False, handled=True)
                    step = exchange.respond(reply)
                case sasl.PasswordCheck(username=name, password=password):
                    return _outcome(await auth.password(name, password, attempt))
                case sasl.KeysNeeded(username=name):
                    keys = await auth.scram_keys(name, attempt)
                    step = exchange.provide_keys(keys[1] if keys else None)
                case sasl.Verified(username=name, server_final=final):
                    ok = await server.challenge_auth(final) == b""
                    return _outcome(await auth.concluded(ok, name, attempt))
                case sasl.Rejected(username=name):
                    return _outcome(await auth.concluded(False, name, attempt))

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        account = session.auth_data
        if not is_sender(address):
            return BAD_SENDER
        if not isinstance(account, Account) or not await self._owns(account, address):
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by you"
        return await super().handle_MAIL(server, session, envelope, address, options)

    async def _owns(self, account: Account, address: str) -> bool:
        lookup, targets = await route(self.store, address, self.settings.domains)
        return lookup is Lookup.LOCAL and any(r.account_id == account.id for r in targets.local)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        targets = self._recipients.pop(envelope, Targets())
        queue_id = secrets.token_hex(6).upper()
        self.in_flight += 1
        try:
            queued = await self._submit(server, session, envelope, targets, queue_id)
        except _Refused as refusal:
            return refusal.reply
        except StoreUnavailable as error:  # logged once by the store, and as a delivery
            return unavailable_reply(error)
        except Exception:
            log.exception("submission of %s failed", queue_id)
            return _TEMPFAIL
        finally:
            self.in_flight -= 1
        if queued is not None:
            self.queued()
        return f"250 2.0.0 Ok: queued as {queue_id}"

    async def _submit(
        self, server: SMTP, session: Session, envelope: Envelope, targets: Targets, queue_id: str
    ) -> int | None:
        content = normalize_line_ends(envelope.original_content or b"")
        content = fix_up(content, self.settings.hostname, time.time())
        arrival = self._arrival(server, session, envelope, queue_id)
        # RFC 3848 §2: ESMTPSA, authenticated over TLS.
        protocol = "ESMTPSA" if session.ssl is not None else "ESMTPA"
        arrival = dataclasses.replace(arrival, protocol=protocol)
        findings = await self._manners_findings(session, content)
        if findings and self.manners is not None and self.manners.rejects:
            to = [*(r.address for r in targets.local), *targets.remote]
            log_delivery(logging.INFO, arrival, content, "", to, "rejected", reason="manners")
            raise _Refused(self.manners.rejection(findings, bool(envelope.smtp_utf8)))
        meta = await self._parse(content)
        queued = await commit(self.store, content, meta, arrival, targets)
        if findings and self.manners is not None:
            account = session.auth_data
            assert isinstance(account, Account)
            subject = meta.columns.subject
            await self.manners.send_report(self.store, account.id, findings, subject, arrival.when)
        return queued

    async def _manners_findings(self, session: Session, content: bytes) -> list[Finding]:
        """The manners linter's findings, when ``[manners] policy`` is on."""
        account = session.auth_data
        if self.manners is None or not self.manners.active or not isinstance(account, Account):
            return []
        return await self.manners.findings(self.store.mailstore(account.id), content)


class _Refused(Exception):
    """The message is refused before anything is stored; ``reply`` says why."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def _peer(session: Session | None) -> str:
    peer: Any = session.peer if session is not None else None
    return str(peer[0]) if isinstance(peer, tuple) else str(peer)


def _outcome(account: Account | None) -> AuthResult:
    if account is None:
        return AuthResult(success=False, handled=False)
    return AuthResult(success=True, auth_data=account)
