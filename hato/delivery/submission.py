"""Mail from our own users: the aiosmtpd handler behind submission (RFC 6409).

- AUTH (RFC 4954) with PLAIN, LOGIN and SCRAM-SHA-256, run by the shared SASL
  driver (``hato.proto.sasl_driver``) and checked by the shared ``Authenticator``
  (so the failed-login throttle applies). The listener requires AUTH before
  MAIL (``530 5.7.0``) and offers it only under TLS (RFC 8314 §3).
- MAIL FROM must be an address of the authenticated account: ``NAME@`` or
  ``NAME+detail@`` a local domain, or an alias that leads to it (RFC 6409 §6.1
  lets the server check this); else ``553 5.7.1``.
- RCPT may name anyone: local addresses are checked now, others are relayed.
- DATA fixes the message up (RFC 6409 §8, ``hato.delivery.fixup``), then
  stores the local copies and queues the remote recipients in one durable
  transaction before answering 250.
- BURL (RFC 4468) takes the message, or pieces of it, from IMAP URLs with URLAUTH
  (RFC 4467) instead of DATA: ``burl_content`` reads them from this server's own
  store as the submission server acting for the sender (``submit+NAME``); the
  listener (``hato.server.submission``) joins them and hands the whole to DATA's path.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Protocol, runtime_checkable

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from hato import metrics
from hato.auth.authenticator import Authenticator, LoginAttempt
from hato.delivery.dispatch import Targets, commit, log_delivery, route
from hato.delivery.fixup import fix_up
from hato.delivery.inbound import (
    BAD_SENDER,
    InboundHandler,
    InboundSettings,
    is_sender,
    log,
    unavailable_reply,
)
from hato.delivery.manners_policy import MannersPolicy
from hato.delivery.observer import tell
from hato.delivery.received import Arrival
from hato.delivery.recipients import Lookup, split_address
from hato.mailauth.dkim_sign import DkimSigner
from hato.manners import Finding
from hato.mime import crlf_lines
from hato.proto.sasl_driver import Cancelled, Malformed, SaslDriver
from hato.store.base import Account, Store, StoreUnavailable

__all__ = ["Refused", "SaslChallenges", "SubmissionHandler"]

_TEMPFAIL = "451 4.3.0 Error: submission failed, try again later"
_AUTH_TEMPFAIL = "454 4.7.0 Temporary authentication failure"


class SubmissionHandler(InboundHandler):
    """aiosmtpd hooks and AUTH mechanisms (``auth_*``) for authenticated senders."""

    relays = True  # authenticated senders may send to any domain (RFC 6409 §4)
    ehlo_keywords = ("BURL imap",)  # RFC 4468 §3: URLAUTH IMAP URLs of this server

    def __init__(
        self,
        store: Store,
        settings: InboundSettings,
        authenticator: Authenticator,
        queued: Callable[[], None] = lambda: None,
        manners: MannersPolicy | None = None,
        signer: DkimSigner | None = None,
    ) -> None:
        super().__init__(store, settings)
        self.authenticator = authenticator
        self.queued = queued
        self.manners = manners
        self.signer = signer

    async def auth_PLAIN(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._sasl(server, args, "PLAIN")

    async def auth_LOGIN(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._sasl(server, args, "LOGIN")

    async def auth_SCRAM__SHA__256(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._sasl(server, args, "SCRAM-SHA-256")

    async def _sasl(self, server: SMTP, args: list[str], mechanism: str) -> AuthResult:
        """Run one exchange with the shared SASL driver (RFC 4954 §4: 334 challenges)."""
        initial = args[1] if len(args) > 1 else None
        attempt = LoginAttempt("submission", mechanism, _peer(server.session))
        assert isinstance(server, SaslChallenges)  # the listener's HatoSMTP
        converse = partial(_converse, server)
        try:
            outcome = await self.authenticator.sasl(
                SaslDriver(mechanism), initial, attempt, converse
            )
        except _LineTooLong:
            return AuthResult(success=False, handled=True)
        except StoreUnavailable:  # RFC 4954 §6: the account could not be looked up now
            return AuthResult(success=False, handled=False, message=_AUTH_TEMPFAIL)
        if isinstance(outcome, Cancelled | Malformed):
            await server.push(_broken_off(outcome))
            return AuthResult(success=False, handled=True)
        if outcome is None:
            return AuthResult(success=False, handled=False)
        server.logged_in(outcome.name)
        return AuthResult(success=True, auth_data=outcome)

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
        directory = await self.store.directory()
        lookup, targets = await route(directory, address, self.settings.domains)
        return lookup is Lookup.LOCAL and any(r.account_id == account.id for r in targets.local)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        targets = self._recipients.pop(envelope, Targets())
        queue_id = secrets.token_hex(6).upper()
        self.in_flight += 1
        try:
            queued = await self._submit(server, session, envelope, targets, queue_id)
        except Refused as refusal:
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
        metrics.message("submitted")
        return f"250 2.0.0 Ok: queued as {queue_id}"

    async def _submit(
        self, server: SMTP, session: Session, envelope: Envelope, targets: Targets, queue_id: str
    ) -> int | None:
        arrival = self._arrival(server, session, envelope, queue_id)
        # RFC 3848 §2: ESMTPSA, authenticated over TLS.
        protocol = "ESMTPSA" if session.ssl is not None else "ESMTPA"
        arrival = dataclasses.replace(arrival, protocol=protocol)
        account = session.auth_data
        assert isinstance(account, Account)  # MAIL needs AUTH on this listener
        content = envelope.original_content or b""
        utf8 = bool(envelope.smtp_utf8)
        return await self._store(account, content, arrival, targets, utf8, envelope.rcpt_tos)

    async def burl_content(self, account: Account, url: str) -> bytes | None:
        """The octets of a BURL's IMAP URL (RFC 4468 §3.2) for ``account``'s submission:
        only a URLAUTH URL this server made, whose access admits ``submit+`` the
        account (or anyone); None when it cannot be resolved. The IMAP URL's code is
        imported here, by the first BURL: a server nobody uses BURL on does not hold it."""
        from hato.proto.imap import UrlError, parse_imap_url
        from hato.session.urlauth import Requester, authorized_content

        try:
            found = parse_imap_url(url)
        except UrlError:
            return None
        return await authorized_content(self.store, found, Requester(account.name, submit=True))

    async def submit(
        self, account: Account, recipients: Sequence[str], content: bytes, arrival: Arrival
    ) -> str:
        """Submit a message that came by another way than SMTP (the web console's send),
        with the checks MAIL, RCPT and DATA make on the submission port: the sender
        (``arrival.sender``) must be the account's, every recipient is routed
        (aliases expanded, local ones checked), and the message takes DATA's path
        (fix-up, Bcc removed, the manners policy, DKIM, local copies and the queue in
        one transaction). The queue id; ``Refused`` with the SMTP reply if refused."""
        sender = arrival.sender
        if not is_sender(sender) or not sender or not await self._owns(account, sender):
            raise Refused(f"553 5.7.1 <{sender}>: Sender address rejected: not owned by you")
        if not recipients or len(recipients) > self.settings.max_recipients:
            raise Refused("452 4.5.3 Error: too many recipients" if recipients else
                          "554 5.5.1 Error: no valid recipients")  # fmt: skip
        directory = await self.store.directory()
        targets = Targets(directory=directory)
        for address in recipients:
            lookup, found = await route(directory, address, self.settings.domains)
            if lookup is Lookup.MALFORMED:
                raise Refused("501 5.1.3 Bad recipient address syntax")
            if not found:
                raise Refused(f"550 5.1.1 <{address}>: Recipient address rejected: User unknown")
            targets.local.extend(found.local)
            targets.remote.extend(found.remote)
        queued = await self._store(account, content, arrival, targets, True, recipients)
        if queued is not None:
            self.queued()
        return arrival.queue_id

    async def _store(
        self, account: Account, content: bytes, arrival: Arrival, targets: Targets, utf8: bool,
        recipients: Sequence[str],
    ) -> int | None:  # fmt: skip
        """DATA's path (RFC 6409 §8): fix up, lint, sign, store and queue in one transaction."""
        content = fix_up(crlf_lines(content), self.settings.hostname, time.time())
        findings = await self._manners_findings(account, content)
        if findings and self.manners is not None and self.manners.rejects:
            to = [*(r.address for r in targets.local), *targets.remote]
            log_delivery(logging.INFO, arrival, content, "", to, "rejected", reason="manners")
            raise Refused(self.manners.rejection(findings, utf8))
        content = await self._signed(content, arrival.sender)
        meta = await self._parse(content)
        queued = await commit(self.store, content, meta, arrival, targets, self.settings.sieve)
        if findings and self.manners is not None:
            subject = meta.columns.subject
            await self.manners.send_report(self.store, account.id, findings, subject, arrival.when)
        await tell(
            self.settings.observer, arrival, recipients, content, targets.directory, account.id
        )
        return queued

    async def _signed(self, content: bytes, sender: str) -> bytes:
        """DKIM-signed (RFC 6376) when the From domain has a key: local and relayed copies alike."""
        if self.signer is None:
            return content
        domain = (split_address(sender) or ("", ""))[1]
        return await asyncio.to_thread(self.signer.sign, content, domain)

    async def _manners_findings(self, account: Account, content: bytes) -> list[Finding]:
        """The manners linter's findings, when ``[manners] policy`` is on."""
        if self.manners is None or not self.manners.active:
            return []
        return await self.manners.findings(self.store.mailstore(account.id), content)


class Refused(Exception):
    """The message is refused before anything is stored; ``reply`` says why."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


def _peer(session: Session | None) -> str:
    peer: Any = session.peer if session is not None else None
    return str(peer[0]) if isinstance(peer, tuple) else str(peer)


@runtime_checkable
class SaslChallenges(Protocol):
    """What the listener's SMTP protocol adds to aiosmtpd's for AUTH."""

    async def sasl_challenge(self, challenge: bytes) -> bytes | None:
        """Send ``334 challenge``; the client's line as it came, or None when it was
        over the line limit (then already answered)."""

    def logged_in(self, account: str) -> None:
        """The session is ``account``'s from now on (for its transcript)."""


async def _converse(server: SaslChallenges, challenge: bytes) -> bytes:
    """RFC 4954 §4: a ``334`` challenge and the client's line (the driver reads "*"
    and base64); a line over the limit ends the exchange."""
    line = await server.sasl_challenge(challenge)
    if line is None:
        raise _LineTooLong
    return line


class _LineTooLong(Exception):
    """An AUTH response over the line limit, already answered."""


def _broken_off(outcome: Cancelled | Malformed) -> str:
    """aiosmtpd's words for an aborted exchange and for bad base64 (RFC 4954 §4)."""
    if isinstance(outcome, Cancelled):
        return "501 5.7.0 Auth aborted"
    if outcome.initial:
        return "501 5.5.2 Cannot decode base64"
    return "501 5.5.2 Can't decode base64"
