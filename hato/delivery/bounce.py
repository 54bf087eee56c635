"""Bounces: delivery status notifications (RFC 3464) to the sender.

A bounce is a ``multipart/report; report-type=delivery-status`` message (RFC
6522) of three parts: a note for people, the machine-readable
``message/delivery-status`` (one per-message block, one block per failed
recipient, RFC 3464 §2.2 and §2.3), and the original message's header as
``text/rfc822-headers``. It is sent with the null reverse-path, and a message
with a null reverse-path is never bounced (RFC 5321 §4.5.5), so bounces cannot
loop.
"""

from __future__ import annotations

import email.utils
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from hato.delivery.fixup import split_header

__all__ = ["Failure", "build_dsn"]


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient that will not get the message, and why."""

    recipient: str
    status: str  # RFC 3463 enhanced code, e.g. 5.1.1 or 4.4.7 (expired)
    diagnostic: str  # the remote reply, or our own reason
    remote_mta: str = ""
    from_remote: bool = False


_PERMANENT_CODE = re.compile(r"5\.\d{1,3}\.\d{1,3}")
_NOTE = """\
This is the mail system at host {hostname}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. The details follow.

{lines}
"""


def _status(failure: Failure) -> str:
    """A permanent failure keeps the remote server's own enhanced code if it gave one."""
    if failure.status.startswith("5"):
        for word in failure.diagnostic.split()[:2]:
            if _PERMANENT_CODE.fullmatch(word):
                return word
    return failure.status


def _recipient_block(failure: Failure, when: str) -> str:
    lines = [
        f"Final-Recipient: rfc822; {failure.recipient}",
        "Action: failed",
        f"Status: {_status(failure)}",
    ]
    if failure.remote_mta:
        lines.append(f"Remote-MTA: dns; {failure.remote_mta}")
    diagnostic = " ".join(failure.diagnostic.split())
    if failure.from_remote:
        lines.append(f"Diagnostic-Code: smtp; {diagnostic}")
    else:
        lines.append(f"X-Hato-Reason: {diagnostic}")
    lines.append(f"Last-Attempt-Date: {when}")
    return "\r\n".join(lines) + "\r\n"


def build_dsn(
    hostname: str,
    sender: str,
    original: bytes,
    failures: Sequence[Failure],
    arrival: float,
    now: float,
) -> bytes:
    """The whole bounce message for ``sender`` (CRLF line ends)."""
    boundary = f"{secrets.token_hex(8)}/{hostname}"
    when = email.utils.formatdate(now, localtime=True)
    note = _NOTE.format(
        hostname=hostname,
        lines="\n".join(f"<{f.recipient}>: {' '.join(f.diagnostic.split())}" for f in failures),
    )
    per_message = (
        f"Reporting-MTA: dns; {hostname}\r\n"
        f"Arrival-Date: {email.utils.formatdate(arrival, localtime=True)}\r\n"
    )
    status = per_message + "".join("\r\n" + _recipient_block(f, when) for f in failures)
    headers = b"".join(split_header(original)[0])
    head = [
        f"From: Mail Delivery System <MAILER-DAEMON@{hostname}>",
        f"To: <{sender}>",
        "Subject: Undelivered Mail Returned to Sender",
        f"Date: {when}",
        f"Message-ID: <{secrets.token_hex(12)}@{hostname}>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        "This is a MIME-encapsulated delivery status notification (RFC 3464).",
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=utf-8",
        "",
        note.replace("\n", "\r\n"),
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        status,
        f"--{boundary}",
        "Content-Type: text/rfc822-headers",
        "",
        "",
    ]
    tail = f"\r\n--{boundary}--\r\n".encode()
    return "\r\n".join(head).encode("utf-8") + headers + tail
