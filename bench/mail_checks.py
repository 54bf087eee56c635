"""What the MX listener's checks cost: SMTP delivery with SPF, DKIM, DMARC and ARC on, and off.

hato checks mail from hosts outside ``[auth] trusted_relays`` (127.0.0.1 alone by
default): SPF for the MAIL FROM domain, every DKIM signature, DMARC, the ARC chain,
then one Authentication-Results field. Both rows deliver the same ``MESSAGES``
DKIM-signed messages (RSA 2048, as most senders sign) from ``bench-sender.example``,
whose SPF, DKIM key and DMARC record a DNS server on loopback publishes (the tests'
dnslib server, ``tests/mailauth/dns_server.py``); hato's ``[dns] servers`` point at it
(``zone_address``). The checked row connects from 127.0.0.2 (every check runs, and
passes); the other from 127.0.0.1 (a trusted relay: no check at all). Answers are
cached with their TTL, as a real resolver would, so the rows weigh the checks' CPU
work (an RSA verification, SPF and DMARC evaluation) more than DNS round trips.

The messages go to an account of their own (``ACCOUNT``), so the bench account's
mailbox keeps its count. Dovecot has no MX listener: its column says n/a.
"""

from __future__ import annotations

import smtplib
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dkim

from bench.target import Target
from hato.mailauth.dkim_keys import generate_key
from tests.mailauth.dns_server import ZoneServer

__all__ = ["ACCOUNT", "ROWS", "checked", "messages", "unchecked", "zone_address"]

ACCOUNT = "checks"
MESSAGES = 400
CONNECTIONS = 4
DOMAIN = "bench-sender.example"
_CHECKED_FROM = "127.0.0.2"  # outside [auth] trusted_relays
_TRUSTED_FROM = "127.0.0.1"
_BODY = b"The minutes of the lab meeting follow.\r\n" * 100  # about 4 KB


@dataclass(frozen=True)
class _Sender:
    """The sender domain's records, served for the whole bench run, and its messages."""

    zone: ZoneServer
    messages: tuple[bytes, ...]


@cache
def _sender() -> _Sender:
    """Made once; the DNS server's threads end with the bench process."""
    with tempfile.TemporaryDirectory(prefix="hato-bench-dkim-") as keys:  # read, then gone
        path, key_record = generate_key(Path(keys), DOMAIN, "bench", "rsa")
        key = path.read_bytes()
    zone = ZoneServer(
        [
            f'{DOMAIN}. 3600 IN TXT "v=spf1 ip4:{_CHECKED_FROM} -all"',
            f'_dmarc.{DOMAIN}. 3600 IN TXT "v=DMARC1; p=reject"',
            key_record.replace(" IN TXT", " 3600 IN TXT"),
        ]
    ).__enter__()
    return _Sender(zone, _signed(key))


def _signed(key: bytes) -> tuple[bytes, ...]:
    """``MESSAGES`` messages from the sender domain, each DKIM-signed."""
    made = []
    for number in range(MESSAGES):
        message = (
            f"From: Sender <sender@{DOMAIN}>\r\nTo: {ACCOUNT}@bench.example\r\n"
            f"Subject: minutes {number}\r\nDate: Sat, 05 Dec 2026 09:00:00 +0000\r\n"
            f"Message-ID: <{number}@{DOMAIN}>\r\n\r\n"
        ).encode() + _BODY
        signature = dkim.sign(message, b"bench", DOMAIN.encode(), key, linesep=b"\r\n")
        made.append(signature + message)
    return tuple(made)


def messages() -> tuple[bytes, ...]:
    """The ``MESSAGES`` DKIM-signed messages (made once)."""
    return _sender().messages


def zone_address() -> str:
    """``HOST:PORT`` of the loopback DNS server hato's ``[dns] servers`` names."""
    return _sender().zone.address


def _send(target: Target, source: str, messages: tuple[bytes, ...]) -> int:
    address = (target.host, target.ports["smtp"])
    client = smtplib.SMTP(*address, timeout=120, source_address=(source, 0))
    try:
        client.ehlo(f"mx.{DOMAIN}")
        for message in messages:
            client.sendmail(f"sender@{DOMAIN}", [f"{ACCOUNT}@bench.example"], message)
    finally:
        client.quit()
    return len(messages)


def _rate(target: Target, source: str) -> float:
    """Every message once over ``CONNECTIONS`` connections from ``source``: msg/s."""
    messages = _sender().messages
    shares = [messages[i::CONNECTIONS] for i in range(CONNECTIONS)]
    target.settled()  # the run before's indexing done first, untimed
    start = time.perf_counter()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        sent = sum(pool.map(lambda share: _send(target, source, share), shares))
    elapsed = time.perf_counter() - start
    if sent != len(messages):
        raise RuntimeError(f"{target.name}: delivered {sent} of {len(messages)}")
    return sent / elapsed


def checked(target: Target, _context: object) -> float:
    """From 127.0.0.2: SPF, DKIM, DMARC and ARC checked (all pass)."""
    return _rate(target, _CHECKED_FROM)


def unchecked(target: Target, _context: object) -> float:
    """From 127.0.0.1, the trusted relay: nothing checked."""
    return _rate(target, _TRUSTED_FROM)


CHECKED_ROW = f"SMTP delivery on the MX, {CONNECTIONS} connections, SPF+DKIM+DMARC+ARC checked"
UNCHECKED_ROW = f"SMTP delivery on the MX, {CONNECTIONS} connections, trusted relay (no checks)"
ROWS = ((UNCHECKED_ROW, unchecked), (CHECKED_ROW, checked))
