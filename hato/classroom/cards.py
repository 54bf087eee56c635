"""What a login card says besides the student's name, account and password: the host,
every port of the lecture that is listening, and the line a student types for each.

Debian and macOS ship no telnet today, so the plain ports get ``nc -C`` (CRLF line
ends, as POP3, IMAP and SMTP want: RFC 1939 §3, RFC 3501 §2.2, RFC 5321 §2.3.8) and
``telnet`` as the alternative; the TLS ports get ``openssl s_client -crlf``, with
``-starttls smtp`` for submission (RFC 3207) and ``-quiet`` so that the certificate
dump does not hide the greeting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CardLine", "card_lines"]

#: The lecture's services in the order the lab takes them: (service, label, how).
_LECTURE = (
    ("pop3", "POP3", "plain"),
    ("pop3s", "POP3S", "tls"),
    ("imap", "IMAP", "plain"),
    ("imaps", "IMAPS", "tls"),
    ("smtp", "SMTP", "plain"),
    ("submission", "Submission", "starttls"),
)


@dataclass(frozen=True, slots=True)
class CardLine:
    label: str
    port: int
    command: str  # what to type
    other: str = ""  # another way, where there is one (telnet)


def card_lines(host: str, ports: Mapping[str, int]) -> list[CardLine]:
    """A line for each lecture service in ``ports`` (service -> port; 0 is off)."""
    lines = []
    for service, label, how in _LECTURE:
        port = ports.get(service, 0)
        if port:
            lines.append(_line(label, host, port, how))
    return lines


def _line(label: str, host: str, port: int, how: str) -> CardLine:
    if how == "plain":
        return CardLine(label, port, f"nc -C {host} {port}", f"telnet {host} {port}")
    starttls = " -starttls smtp" if how == "starttls" else ""
    address = f"[{host}]" if ":" in host else host  # an IPv6 literal
    return CardLine(
        label, port, f"openssl s_client -crlf -quiet{starttls} -connect {address}:{port}"
    )
