"""Which clients count as one, for the limits kept per client address.

An IPv4 address is one client. An IPv6 address is not: a single subscriber is
routinely given a whole /64 (RFC 6177 recommends at least that, and SLAAC
needs it), so an attacker can use 2**64 addresses as freely as one. Limits
per address (connections, failed logins) are therefore kept per /64, as they
would be per IPv4 address; an IPv4 address mapped into IPv6 (``::ffff:a.b.c.d``,
RFC 4291 §2.5.5.2) is the IPv4 client it names.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

__all__ = ["client_key"]

_IPV6_CLIENT_PREFIX = 64


@lru_cache(maxsize=4096)
def client_key(address: str) -> str:
    """The name under which ``address``'s per-client limits are counted."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # no zone index (RFC 6874)
    except ValueError:
        return address  # not an IP address (a Unix socket, a test's name): itself
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, _IPV6_CLIENT_PREFIX), strict=False))
    return str(ip)
