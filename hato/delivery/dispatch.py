"""Where each recipient's copy goes: a local mailbox or the outbound queue.

Shared by every delivery path (SMTP/LMTP in, submission, bounces): aliases are
expanded first, local addresses map to accounts, others are queued. Local
copies and the queued message are committed in one durable transaction before
the client is answered (the durability invariant of docs/architecture.md, RFC 5321 §6.1).
"""

from __future__ import annotations

import datetime
import email.utils
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from hato.delivery.aliases import expand
from hato.delivery.received import Arrival, trace_prefix
from hato.delivery.recipients import Lookup, Recipient, resolve, split_address
from hato.delivery.syntax import is_mailbox
from hato.logs import event
from hato.store.base import INBOX, Delivery, MessageMeta, Outbound, Store

__all__ = ["Targets", "commit", "log_delivery", "relay_trace", "route"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Targets:
    """Where one envelope's recipients go, accumulated over its RCPT commands."""

    local: list[Recipient] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.local) + len(self.remote)


async def route(store: Store, address: str, domains: tuple[str, ...]) -> tuple[Lookup, Targets]:
    """Resolve one RCPT address (aliases first); a foreign address is NOT_LOCAL.

    An address that is not RFC 5321 syntax is MALFORMED before any lookup, so bytes
    that were not UTF-8 never reach the store.
    """
    parts = split_address(address)
    if parts is None or not is_mailbox(address):
        return Lookup.MALFORMED, Targets()
    if parts[1] not in domains:
        return Lookup.NOT_LOCAL, Targets(remote=[address])
    finals = await expand(store, address, domains)
    if finals is None:
        lookup, recipient = await resolve(store, address, domains)
        return lookup, Targets(local=[recipient] if recipient else [])
    targets = Targets()
    for final in finals:
        lookup, recipient = await resolve(store, final, domains)
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


def _copies(arrival: Arrival, recipients: Sequence[Recipient]) -> list[Delivery]:
    """One copy per account, even when several of its addresses were given."""
    seen: set[int] = set()
    copies = []
    for recipient in recipients:
        if recipient.account_id not in seen:
            seen.add(recipient.account_id)
            prefix = trace_prefix(arrival, recipient.address)
            copies.append(Delivery(recipient.account_id, INBOX, prefix))
    return copies


async def commit(
    store: Store, content: bytes, meta: MessageMeta, arrival: Arrival, targets: Targets
) -> int | None:
    """Store the local copies and queue the rest, durably; the queue id if any."""
    outbound = None
    remote = tuple(dict.fromkeys(targets.remote))
    if remote:
        outbound = Outbound(
            arrival.sender, remote, relay_trace(arrival) + content, int(arrival.when)
        )
    copies = _copies(arrival, targets.local)
    local = list(dict.fromkeys(r.address for r in targets.local))
    message_id = meta.columns.message_id
    try:
        queued = await store.deliver_and_queue(content, meta, int(arrival.when), copies, outbound)
    except Exception:
        log_delivery(logging.WARNING, arrival, content, message_id, [*local, *remote], "failed")
        raise
    if local:
        log_delivery(logging.INFO, arrival, content, message_id, local, "delivered")
    if remote:
        log_delivery(logging.INFO, arrival, content, message_id, remote, "queued", queue=queued)
    return queued


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
