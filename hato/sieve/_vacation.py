"""Deciding whether a vacation reply goes out, and what it says (RFC 5230, RFC 3834).

The interpreter reads the message and asks the delivery layer's record whether this
sender had a reply with this handle within the period; sending and recording are the
delivery layer's (§4.2). Every reason not to reply is returned, for the log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hato.mime import parse_addresses
from hato.sieve._actions import Vacation
from hato.sieve._message import Message, decoded

DAY = 86_400

# RFC 5230 §4.6 / RFC 3834 §2: addresses that never get an automatic reply
_NO_REPLY_LOCALPARTS = ("mailer-daemon", "listserv", "majordomo", "postmaster", "noreply")
_LIST_HEADERS = (
    "list-id",
    "list-help",
    "list-subscribe",
    "list-unsubscribe",
    "list-post",
    "list-owner",
    "list-archive",
)
_RECIPIENT_HEADERS = ("to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc")


@dataclass(frozen=True, slots=True)
class Request:
    """The vacation command's arguments, expanded (RFC 5230 §4, RFC 6131)."""

    reason: str
    seconds: int | None
    subject: str | None
    from_: str | None
    addresses: tuple[str, ...]
    mime: bool
    handle: str | None


@dataclass(frozen=True, slots=True)
class Period:
    """Bounds on the reply period (RFC 5230 §4.1: the site may clamp :days)."""

    default: int = 7 * DAY
    minimum: int = DAY
    maximum: int = 60 * DAY

    def clamp(self, seconds: int | None) -> int:
        if seconds is None:
            return self.default
        return min(max(seconds, self.minimum), self.maximum)


# replied_within(handle, sender, seconds): True if the sender had a reply with this
# handle in the last ``seconds`` (RFC 5230 §4.2); the delivery layer's record.
RepliedWithin = Callable[[str, str, int], bool]


def decide(
    request: Request,
    message: Message,
    sender: str,
    recipient: str,
    own_addresses: Sequence[str],
    period: Period,
    replied_within: RepliedWithin,
) -> Vacation | str:
    """The reply to send, or why none is sent."""
    mine = {address.lower() for address in (recipient, *own_addresses, *request.addresses)}
    reason = _why_not(message, sender, mine)
    if reason:
        return reason
    handle = request.handle or _default_handle(request)
    seconds = period.clamp(request.seconds)
    if replied_within(handle, sender.lower(), seconds):
        return f"vacation: {sender} had a reply within {seconds} s"
    return Vacation(
        to=sender,
        from_=request.from_ or recipient,
        subject=request.subject if request.subject is not None else _subject(message),
        reason=request.reason,
        mime=request.mime,
        handle=handle,
        seconds=seconds,
        in_reply_to=_first(message, "message-id"),
        references=_references(message),
    )


def _why_not(message: Message, sender: str, mine: set[str]) -> str:
    if not sender:
        return "vacation: no reply to a null sender (RFC 3834 §2)"
    local = sender.rpartition("@")[0].lower()
    if local in _NO_REPLY_LOCALPARTS or local.startswith("owner-") or local.endswith("-request"):
        return f"vacation: no reply to {sender} (RFC 5230 §4.6)"
    if sender.lower() in mine:
        return "vacation: no reply to oneself"
    auto = [value.strip().lower() for value in message.header_values("auto-submitted")]
    if any(value.split(";")[0].strip() != "no" for value in auto):
        return "vacation: no reply to auto-submitted mail (RFC 3834 §2)"
    precedence = {value.strip().lower() for value in message.header_values("precedence")}
    if precedence & {"bulk", "list", "junk"}:
        return "vacation: no reply to bulk or list mail (RFC 3834 §2)"
    if any(message.header_values(name) for name in _LIST_HEADERS):
        return "vacation: no reply to list mail (RFC 2369, RFC 2919)"
    if not _addressed_to(message, mine):
        return "vacation: the message is not addressed to the account (RFC 5230 §4.5)"
    return ""


def _addressed_to(message: Message, mine: set[str]) -> bool:
    for name in _RECIPIENT_HEADERS:
        for value in message.header_values(name):
            for _, _, mailbox, host in parse_addresses(value):
                if mailbox and host and f"{mailbox}@{host}".lower() in mine:
                    return True
    return False


def _subject(message: Message) -> str:
    """ "Auto: " and the original subject (RFC 5230 §4.3)."""
    subjects = message.header_values("subject")
    return "Auto: " + decoded(subjects[0]).strip() if subjects else "Automated reply"


def _default_handle(request: Request) -> str:
    """RFC 5230 §4.2: without :handle, replies with different arguments are different."""
    text = "\0".join(
        [request.reason, request.subject or "", request.from_ or "", *request.addresses]
    )
    return hashlib.sha256(f"{text}\0{request.mime}".encode()).hexdigest()[:32]


def _first(message: Message, name: str) -> str | None:
    values = message.header_values(name)
    return values[0].strip() if values else None


def _references(message: Message) -> str | None:
    """RFC 5322 §3.6.4: the parent's References (or In-Reply-To) and its Message-ID."""
    parent = _first(message, "references") or _first(message, "in-reply-to")
    own = _first(message, "message-id")
    joined = " ".join(part for part in (parent, own) if part)
    return joined[:4000] or None
