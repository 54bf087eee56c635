"""Mail coming in: the aiosmtpd handler behind the MX (SMTP) and LMTP listeners.

- RCPT accepts only addresses of local accounts in local domains: unknown users
  get ``550 5.1.1``, other domains ``554 5.7.1`` (no open relay).
- DATA stores one body for all recipients in one durable transaction and only
  then answers 250 (the durability invariant of docs/architecture.md). SMTP answers
  once; LMTP answers once per accepted recipient (RFC 2033 §4.2).
- Each copy gets Return-Path, Delivered-To and Received in front; the message
  itself is kept byte for byte (bare LF line ends become CRLF, RFC 5321 §2.3.8).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from hato.delivery.dispatch import OVER_QUOTA, Refusal, Targets, commit, log_delivery, route
from hato.delivery.filtering import SieveFilter
from hato.delivery.observer import DeliveryObserver, tell
from hato.delivery.received import Arrival
from hato.delivery.recipients import Lookup
from hato.mailauth.inbound import AuthRefused, InboundAuth
from hato.mime import crlf_lines
from hato.proto.smtp_syntax import is_mailbox
from hato.store.base import MessageMeta, Store, StoreFull, StoreUnavailable

__all__ = [
    "BAD_SENDER",
    "InboundHandler",
    "InboundSettings",
    "is_sender",
    "unavailable_reply",
]

log = logging.getLogger(__name__)

#: RFC 3463 X.1.7, bad sender's mailbox syntax; the address is not echoed, it may
#: hold bytes that are not UTF-8.
BAD_SENDER = "553 5.1.7 Bad sender address syntax"
NULL_PATH = "<>"
_PARSE_INLINE_LIMIT = 256 * 1024


def is_sender(address: str) -> bool:
    """MAIL FROM's reverse-path: a mailbox, or the null path of bounces (RFC 5321 §4.5.5),
    which aiosmtpd hands on as ``<>``."""
    return address == NULL_PATH or is_mailbox(address)


@dataclass(frozen=True, slots=True)
class InboundSettings:
    hostname: str
    domains: tuple[str, ...]
    max_recipients: int
    lmtp: bool
    parse: Callable[[bytes], MessageMeta]
    sieve: SieveFilter | None = None
    auth: InboundAuth | None = None  # the MX listener's checks (hato.mailauth); None: none
    observer: DeliveryObserver | None = None  # told of each message stored (the assignments)


class InboundHandler:
    """aiosmtpd hooks (``handle_*``) for final delivery into local mailboxes."""

    #: Whether RCPT may name other domains' addresses: never on MX and LMTP (no open
    #: relay); submission, where the sender has authenticated, turns it on.
    relays = False
    #: EHLO keywords of the listener's own, after PIPELINING and ENHANCEDSTATUSCODES
    ehlo_keywords: tuple[str, ...] = ()

    def __init__(self, store: Store, settings: InboundSettings) -> None:
        self.store = store
        self.settings = settings
        self._recipients: weakref.WeakKeyDictionary[Envelope, Targets] = weakref.WeakKeyDictionary()
        self.in_flight = 0

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """Advertise PIPELINING (RFC 2920) and ENHANCEDSTATUSCODES (RFC 2034) too."""
        session.host_name = hostname
        lines = [line[4:] for line in responses if line[4:] != "HELP"]
        lines += ["PIPELINING", "ENHANCEDSTATUSCODES", *self.ehlo_keywords]
        return [f"250-{line}" for line in lines[:-1]] + [f"250 {lines[-1]}"]

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not is_sender(address):
            return BAD_SENDER
        envelope.mail_from = address  # aiosmtpd's RCPT wants it non-empty, even when null
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        accepted = self._recipients.setdefault(envelope, Targets())
        if len(envelope.rcpt_tos) >= self.settings.max_recipients:
            return "452 4.5.3 Error: too many recipients"
        if accepted.directory is None:  # one look-up of the directory an envelope
            accepted.directory = await self.store.directory()
        lookup, targets = await route(accepted.directory, address, self.settings.domains)
        if lookup is Lookup.MALFORMED:  # not echoed: it may hold bytes that are not UTF-8
            return "501 5.1.3 Bad recipient address syntax"
        if lookup is Lookup.NOT_LOCAL and not self.relays:
            return f"554 5.7.1 <{address}>: Relay access denied"
        if not targets:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if not targets.remote and not await self._room(targets, envelope):
            return OVER_QUOTA.reply(address)
        accepted.local.extend(targets.local)
        accepted.remote.extend(targets.remote)
        if not targets.remote:
            accepted.accounts[address] = tuple(r.account_id for r in targets.local)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 Ok"

    async def _room(self, targets: Targets, envelope: Envelope) -> bool:
        """Whether an account of the recipient has room for the message: its SIZE, when
        MAIL declared one (RFC 1870 §5), else one more message.  Refusing here lets SMTP
        refuse one recipient and deliver to the others; the check that decides is the
        one in the store's transaction, at DATA."""
        size = max(_declared_size(envelope.mail_options), 1)
        for recipient in targets.local:
            if not recipient.limited:
                return True
            state = await self.store.mailstore(recipient.account_id).quota()
            if state.room_for(size):
                return True
        return False

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self._recipients.pop(envelope, None)
        return "250 2.0.0 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipients = self._recipients.pop(envelope, Targets())
        queue_id = secrets.token_hex(6).upper()
        refused: dict[int, Refusal] = {}
        self.in_flight += 1
        try:
            failure = await self._deliver(
                server,
                session,
                envelope,
                recipients,
                queue_id,
                self._refusable(recipients, refused),
            )
        finally:
            self.in_flight -= 1
        if not self.settings.lmtp:
            return failure or _refusal(refused) or f"250 2.0.0 Ok: queued as {queue_id}"
        return "\r\n".join(
            failure
            or _refusal(refused, recipients.accounts.get(address, ()), address)
            or f"250 2.0.0 <{address}> {queue_id} Saved"
            for address in envelope.rcpt_tos
        )

    def _refusable(
        self, recipients: Targets, refused: dict[int, Refusal]
    ) -> dict[int, Refusal] | None:
        """Where a refusal (a script's reject, RFC 5429 §2.1; a full mailbox) can be the
        reply: LMTP answers each recipient, so when each account was named by a recipient
        of its own; SMTP answers once, so when the message has one account and no other
        recipient. Otherwise every refusal is a bounce."""
        accounts = {r.account_id for r in recipients.local}
        if self.settings.lmtp:
            alone = {ids[0] for ids in recipients.accounts.values() if len(ids) == 1}
            multiple = any(len(ids) > 1 for ids in recipients.accounts.values())
            return refused if accounts <= alone and not multiple else None
        return refused if len(accounts) == 1 and not recipients.remote else None

    async def _deliver(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        recipients: Targets,
        queue_id: str,
        refused: dict[int, Refusal] | None,
    ) -> str | None:
        """Store the message durably; the temporary failure to answer if it could not be."""
        content = crlf_lines(envelope.original_content or b"")
        arrival = self._arrival(server, session, envelope, queue_id)
        sieve = self.settings.sieve
        auth = self.settings.auth
        junk = False
        seal = None
        try:
            if auth is not None and not auth.trusts(arrival.peer):  # SPF, DKIM, DMARC
                stamped = await auth.stamp(content, arrival.peer, arrival.helo, arrival.sender)
                content, junk = stamped.message, stamped.junk
                seal = auth.sealer.seal if auth.sealer is not None else None
            meta = await self._parse(content)
            await commit(
                self.store, content, meta, arrival, recipients, sieve, refused,
                junk=junk, seal=seal,
            )  # fmt: skip
        except AuthRefused as refusal:  # [auth] policy: 550 or 451
            to = [*(r.address for r in recipients.local), *recipients.remote]
            result = "deferred" if refusal.reply.startswith("4") else "rejected"
            log_delivery(logging.INFO, arrival, content, "", to, result, reason="auth")
            return refusal.reply
        except StoreUnavailable as error:  # logged once by the store, and as a delivery
            return unavailable_reply(error)
        except Exception:
            log.exception("delivery of %s failed", queue_id)
            return _TEMPFAIL
        directory = recipients.directory
        await tell(self.settings.observer, arrival, envelope.rcpt_tos, content, directory)
        return None

    async def _parse(self, content: bytes) -> MessageMeta:
        if len(content) <= _PARSE_INLINE_LIMIT:
            return self.settings.parse(content)
        return await asyncio.to_thread(self.settings.parse, content)

    def _arrival(
        self, server: SMTP, session: Session, envelope: Envelope, queue_id: str
    ) -> Arrival:
        peer: Any = session.peer
        return Arrival(
            helo=str(session.host_name or "unknown"),
            peer=str(peer[0]) if isinstance(peer, tuple) else str(peer),
            protocol=_protocol_word(self.settings.lmtp, session),
            hostname=self.settings.hostname,
            queue_id=queue_id,
            sender="" if envelope.mail_from == NULL_PATH else str(envelope.mail_from or ""),
            when=time.time(),
        )


_TEMPFAIL = "451 4.3.0 Error: local delivery failed, try again later"


def _refusal(refused: dict[int, Refusal], accounts: tuple[int, ...] = (), address: str = "") -> str:
    """A refusal as the reply (a script's reject, RFC 5429 §2.1: 550 5.7.1; a full
    mailbox: 552 5.2.2): for SMTP, when its one account refused; for an LMTP recipient,
    when every account it reached refused."""
    if not refused or (address and not (accounts and all(a in refused for a in accounts))):
        return ""
    refusal = refused[accounts[0]] if accounts else next(iter(refused.values()))
    return refusal.reply(address)


def _declared_size(options: list[str]) -> int:
    """MAIL's ``SIZE=`` parameter (RFC 1870 §6), 0 when absent or not a number."""
    for option in options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isascii() and value.isdigit() and len(value) <= 20:
            return int(value)
    return 0


def unavailable_reply(error: StoreUnavailable) -> str:
    """A store outage is temporary: the sender keeps the mail and retries (RFC 5321 §4.2.5).

    RFC 3463: X.3.1 "mail system full" with RFC 5321's 452 (insufficient system
    storage) when the disk is full, X.3.0 with 451 (local error) otherwise.
    """
    if isinstance(error, StoreFull):
        return f"452 4.3.1 {error.reason}"
    return f"451 4.3.0 {error.reason}"


def _protocol_word(lmtp: bool, session: Session) -> str:
    """The RFC 3848 WITH keyword: SMTP, ESMTP or LMTP, with S when over TLS."""
    word = "LMTP" if lmtp else ("ESMTP" if session.extended_smtp else "SMTP")
    return word + ("S" if session.ssl is not None else "")
