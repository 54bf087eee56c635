"""Where each recipient's copy goes: a local mailbox or the outbound queue.

Shared by every delivery path (SMTP/LMTP in, submission, bounces): aliases are
expanded first, local addresses map to accounts, others are queued. Local
copies and the queued message are committed in one durable transaction before
the client is answered (the durability invariant of docs/architecture.md, RFC 5321 §6.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import email.errors
import email.utils
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from hato import metrics
from hato.delivery.aliases import expand
from hato.delivery.bounce import Failure, build_dsn
from hato.delivery.filtering import Decision, SieveFilter, vacation_reply
from hato.delivery.received import Arrival, clean, trace_prefix
from hato.delivery.recipients import Lookup, Recipient, resolve, split_address
from hato.logs import event
from hato.proto.smtp_syntax import is_mailbox
from hato.store.base import INBOX, Delivery, MailboxExists, MessageMeta, Outbound, Store
from hato.store.directory import Directory
from hato.store.meta import message_meta

__all__ = [
    "OVER_QUOTA", "Refusal", "Sealer", "Targets", "commit", "log_delivery", "relay_trace", "route",
]  # fmt: skip

log = logging.getLogger(__name__)

#: Redirects and replies to local addresses run the next account's script, this many
#: deep; past it the copy is kept (loops are stopped earlier, by Delivered-To).
MAX_HOPS = 4

#: What seals a forwarded message before it is queued (``hato.mailauth.arc_seal``,
#: RFC 8617 §5.1): CPU work, run in a worker thread.
Sealer = Callable[[bytes], bytes]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why one account does not get its copy, as the reply that says so: the SMTP code,
    the RFC 3463 status, the text.  In the protocol when it can carry it (LMTP's reply
    per recipient, SMTP's one reply), else in a bounce."""

    code: int
    status: str
    text: str

    def reply(self, address: str = "") -> str:
        to = f"<{address}> " if address else ""
        return f"{self.code} {self.status} {to}{self.text}"


#: RFC 3463 X.2.2 "mailbox full" with RFC 5321's 552 (exceeded storage allocation):
#: the account's copies would pass its quota (RFC 9208); Dovecot's words.
OVER_QUOTA = Refusal(552, "5.2.2", "Quota exceeded (mailbox for user is full)")


def sieve_reject(reason: str) -> Refusal:
    """A script's reject (RFC 5429 §2.1: 550 5.7.1)."""
    return Refusal(550, "5.7.1", reason)


@dataclass(slots=True)
class Targets:
    """Where one envelope's recipients go, accumulated over its RCPT commands.

    ``accounts``: the accounts each RCPT address reached, for LMTP's reply per recipient;
    ``directory``: what the recipients were looked up in (hato/store/directory.py), asked
    again for the rest of the message (the accounts' scripts, the assignments).
    """

    local: list[Recipient] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    accounts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    directory: Directory | None = None

    def __len__(self) -> int:
        return len(self.local) + len(self.remote)


async def route(
    directory: Directory, address: str, domains: tuple[str, ...]
) -> tuple[Lookup, Targets]:
    """Resolve one RCPT address (aliases first); a foreign address is NOT_LOCAL.

    An address that is not RFC 5321 syntax is MALFORMED before any lookup, so bytes
    that were not UTF-8 never reach the store.
    """
    parts = split_address(address)
    if parts is None or not is_mailbox(address):
        return Lookup.MALFORMED, Targets(directory=directory)
    if parts[1] not in domains:
        return Lookup.NOT_LOCAL, Targets(remote=[address], directory=directory)
    finals = await expand(directory, address, domains)
    if finals is None:
        lookup, recipient = await resolve(directory, address, domains)
        return lookup, Targets(local=[recipient] if recipient else [], directory=directory)
    targets = Targets(directory=directory)
    for final in finals:
        lookup, recipient = await resolve(directory, final, domains)
        if recipient is not None:
            targets.local.append(recipient)
        elif lookup is Lookup.NOT_LOCAL:
            targets.remote.append(final)
    return (Lookup.LOCAL if len(targets) else Lookup.UNKNOWN_USER), targets


def relay_trace(arrival: Arrival) -> bytes:
    """The Received field (RFC 5321 §4.4) in front of a message we pass on."""
    when = datetime.datetime.fromtimestamp(arrival.when, datetime.UTC)
    lines = [
        f"Received: from {arrival.helo} ([{arrival.peer}])",
        f"\tby {arrival.hostname} (hato) with {arrival.protocol} id {arrival.queue_id}",
        f"\t; {email.utils.format_datetime(when)}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8", "replace")


def _accounts(recipients: Sequence[Recipient]) -> list[Recipient]:
    """One recipient per account, even when several of its addresses were given."""
    first: dict[int, Recipient] = {}
    for recipient in recipients:
        first.setdefault(recipient.account_id, recipient)
    return list(first.values())


async def commit(
    store: Store,
    content: bytes,
    meta: MessageMeta,
    arrival: Arrival,
    targets: Targets,
    sieve: SieveFilter | None = None,
    refused: dict[int, Refusal] | None = None,
    hops: int = 0,
    junk: bool = False,
    seal: Sealer | None = None,
) -> int | None:
    """Store the local copies and queue the rest, durably; the queue id if any.

    With ``junk`` (the ``[auth]`` policy's verdict), the copies that would go to
    INBOX go to the account's \\Junk mailbox instead (``junk_mailbox``); a script's
    ``fileinto`` elsewhere still wins, as the script ran first and chose.

    With ``seal``, the copy queued for other domains (an alias's remote target, a
    script's redirect) is ARC-sealed first: the message was checked on its way in,
    and the far end learns what the check found (RFC 8617 §5.1).

    With ``sieve``, each account's active script places its copy. A script's reject,
    and an account whose copies would pass its quota, go in ``refused`` (account id:
    refusal) when the caller answers them in the protocol, else back to the sender as
    a bounce. Redirects, vacation replies and the bounces of rejects are committed
    first: should the main transaction then fail, the client is told to retry, and
    the worst is a duplicate, never a loss (RFC 5321 §6.1). Quota is known only in
    the main transaction (exact under concurrent delivery), so its bounces follow it.
    """
    copies: list[Delivery] = []
    recipients = _accounts(targets.local)
    directory = targets.directory  # taken at the first script if the caller had none
    for recipient in recipients:
        prefix = trace_prefix(arrival, recipient.address)
        inbox = await junk_mailbox(store, recipient.account_id) if junk else INBOX
        if sieve is None:
            copies.append(Delivery(recipient.account_id, inbox, prefix))
            continue
        directory = directory or await store.directory()
        decision = await sieve.decide(recipient, arrival.sender, prefix + content, directory)
        if decision.reject is not None and refused is not None:
            refused[recipient.account_id] = sieve_reject(decision.reject)
        elif decision.reject is not None:
            await _bounce(store, content, arrival, recipient, sieve_reject(decision.reject), sieve)
        else:
            if decision.note:  # the account learns why its script did not decide
                prefix += f"X-Sieve-Error: {decision.note}\r\n".encode()
            for mailbox, flags in decision.copies:
                mailbox = inbox if mailbox == INBOX else mailbox
                copies.append(Delivery(recipient.account_id, mailbox, prefix, flags))
            await _send_on(store, content, arrival, recipient, decision, sieve, hops, seal)
    outbound = None
    remote = tuple(dict.fromkeys(targets.remote))
    if remote:
        onward = relay_trace(arrival) + content
        if seal is not None:
            onward = await asyncio.to_thread(seal, onward)
        outbound = Outbound(arrival.sender, remote, onward, int(arrival.when))
    message_id = meta.columns.message_id
    try:
        done = await store.deliver_and_queue(content, meta, int(arrival.when), copies, outbound)
    except Exception:
        local = list(dict.fromkeys(r.address for r in targets.local))
        log_delivery(logging.WARNING, arrival, content, message_id, [*local, *remote], "failed")
        raise
    full = [r for r in recipients if r.account_id in done.over_quota]
    local = list(dict.fromkeys(r.address for r in targets.local if r not in full))
    if local:
        log_delivery(logging.INFO, arrival, content, message_id, local, "delivered")
        metrics.message("delivered")
    if full:
        addresses = [r.address for r in full]
        log_delivery(
            logging.INFO, arrival, content, message_id, addresses, "rejected", reason="quota"
        )
    if remote:
        queued = done.queue_id
        log_delivery(logging.INFO, arrival, content, message_id, remote, "queued", queue=queued)
    await _refuse(store, content, arrival, full, sieve, refused)
    return done.queue_id


JUNK = "Junk"


async def junk_mailbox(store: Store, account_id: int) -> str:
    """The account's mailbox with the \\Junk special use (RFC 6154 §2), created as
    "Junk" when it has none."""
    mailstore = store.mailstore(account_id)
    mailboxes = await mailstore.list_mailboxes()
    found = next((m.name for m in mailboxes if m.special_use == "\\Junk"), None)
    if found is not None:
        return found
    if not any(m.name == JUNK for m in mailboxes):
        with contextlib.suppress(MailboxExists):  # created meanwhile by another delivery
            await mailstore.create_mailbox(JUNK, "\\Junk", subscribed=True)
    return JUNK


async def _refuse(
    store: Store,
    content: bytes,
    arrival: Arrival,
    full: Sequence[Recipient],
    sieve: SieveFilter | None,
    refused: dict[int, Refusal] | None,
) -> None:
    """Accounts over quota: refused in the protocol, or told to the sender in a bounce
    (RFC 3463 X.2.2); past the redirect depth, with no route for one, only logged."""
    for recipient in full:
        if refused is not None:
            refused[recipient.account_id] = OVER_QUOTA
        elif sieve is not None:
            await _bounce(store, content, arrival, recipient, OVER_QUOTA, sieve)
        else:
            log.warning("over quota, and no bounce this deep: %r", recipient.address[:100])


async def _send_on(
    store: Store,
    content: bytes,
    arrival: Arrival,
    recipient: Recipient,
    decision: Decision,
    sieve: SieveFilter,
    hops: int,
    seal: Sealer | None,
) -> None:
    """Redirects (RFC 5228 §4.2) and vacation replies (RFC 5230 §5) of one account.

    A redirected copy names the account in a Delivered-To field, which the next
    script's loop control reads; it is sealed as the message it passes on would be.
    Replies are hato's own words: never sealed."""
    onward = f"Delivered-To: {clean(recipient.address)}\r\n".encode() + content
    for address in decision.redirects:
        await _send(store, onward, arrival, address, sieve, hops, seal)
    for reply in decision.replies:
        try:
            message = vacation_reply(reply, arrival.hostname, arrival.when)
        except (ValueError, email.errors.MessageError) as exc:  # an address it cannot write
            log.warning("sieve: no vacation reply to %r: %s", reply.to[:100], exc)
            continue
        # RFC 3834 §3.3: the null reverse-path, so that no reply is answered in turn.
        await _send(store, message, replace(arrival, sender=""), reply.to, sieve, hops)
        scripts = store.sieve_scripts(recipient.account_id)
        await scripts.record_reply(
            reply.handle, reply.to.lower(), int(arrival.when), sieve.limits.vacation.maximum
        )


async def _bounce(
    store: Store,
    content: bytes,
    arrival: Arrival,
    recipient: Recipient,
    refusal: Refusal,
    sieve: SieveFilter,
) -> None:
    """A refusal the protocol cannot carry goes back as a delivery status notification
    (RFC 5429 §2.1); never to the null reverse-path (RFC 5321 §4.5.5)."""
    if not arrival.sender:
        status = refusal.status
        log.warning("refused (%s) a message with a null sender: dropped, as a bounce is", status)
        return
    failure = Failure(recipient.address, refusal.status, refusal.text)
    when = arrival.when
    dsn = build_dsn(arrival.hostname, arrival.sender, content, [failure], when, when)
    await _send(store, dsn, replace(arrival, sender=""), arrival.sender, sieve, 0)


async def _send(
    store: Store,
    content: bytes,
    arrival: Arrival,
    address: str,
    sieve: SieveFilter,
    hops: int,
    seal: Sealer | None = None,
) -> None:
    """One message to one address: local (its script runs, MAX_HOPS deep) or queued."""
    lookup, targets = await route(await store.directory(), address, sieve.domains)
    if not len(targets):
        log.warning("sieve: no route to %r (%s)", address[:100], lookup.value)
        return
    meta = await asyncio.to_thread(message_meta, content)
    onward = sieve if hops < MAX_HOPS else None
    await commit(store, content, meta, arrival, targets, onward, None, hops + 1, seal=seal)


def log_delivery(
    level: int, arrival: Arrival, content: bytes, message_id: str, to: Sequence[str],
    result: str, **more: object,
) -> None:  # fmt: skip
    """One ``delivery`` line per outcome of a message (README "Logging")."""
    event(
        log, level, "delivery", id=arrival.queue_id, protocol=arrival.protocol,
        address=arrival.peer, **{"from": arrival.sender}, size=len(content),
        message_id=message_id, to=to, result=result, **more,
    )  # fmt: skip
