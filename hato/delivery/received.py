"""The trace headers delivery puts in front of each copy (RFC 5321 §4.4)."""

from __future__ import annotations

import datetime
import email.utils
import re
from dataclasses import dataclass

__all__ = ["Arrival", "clean", "trace_prefix"]

_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True, slots=True)
class Arrival:
    """How a message reached us: who connected, what they said, over what."""

    helo: str
    peer: str
    protocol: str  # RFC 3848 WITH keyword: SMTP, ESMTP, ESMTPS, LMTP, ...
    hostname: str
    queue_id: str
    sender: str
    when: float


def clean(text: str) -> str:
    """Client-chosen words must not break the header (no spaces, CR, LF)."""
    return _UNSAFE.sub("", text)[:255] or "unknown"


def trace_prefix(arrival: Arrival, recipient: str) -> bytes:
    """Return-Path, Delivered-To and Received for one recipient, CRLF-terminated."""
    moment = datetime.datetime.fromtimestamp(arrival.when, datetime.UTC)
    date = email.utils.format_datetime(moment)
    lines = [
        f"Return-Path: <{clean(arrival.sender) if arrival.sender else ''}>",
        f"Delivered-To: {clean(recipient)}",
        f"Received: from {clean(arrival.helo)} ([{clean(arrival.peer)}])",
        f"\tby {arrival.hostname} (hato) with {arrival.protocol} id {arrival.queue_id}",
        f"\tfor <{clean(recipient)}>; {date}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8", "replace")
