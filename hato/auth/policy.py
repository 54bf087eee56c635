"""The plaintext policy (the plaintext invariant of docs/architecture.md).

Passwords in the clear (POP3 USER/PASS, IMAP LOGIN, SASL PLAIN/LOGIN) are
accepted only over TLS or from a loopback address, as Dovecot's
``disable_plaintext_auth = yes`` does — unless classroom mode is on, where the
lecture's students type them over telnet from anywhere.
"""

from __future__ import annotations

import ipaddress

__all__ = ["is_loopback", "plaintext_allowed"]


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def plaintext_allowed(*, secure: bool, peer: str, classroom: bool) -> bool:
    return secure or classroom or is_loopback(peer)
