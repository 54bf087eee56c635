"""What the MX listener checks on mail from hosts it does not trust.

Today: every DKIM signature is verified (``hato.mailauth.dkim_verify``) and
the outcome is written into one Authentication-Results field at the top of the
message, after every field that claimed our host name is removed (RFC 8601 §5).
The message is only marked: nothing is refused or filed elsewhere for it.

Mail from a trusted relay (``[auth] trusted_relays``, by default 127.0.0.1
alone, so that test senders on 127.0.0.2 and up are checked like any other
host) and mail through submission or LMTP is not checked: its sender is known,
or a trusted MTA in front checked it already.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from hato.mailauth.dkim_verify import verify_signatures
from hato.mailauth.resolver import Resolver
from hato.mailauth.results import results_field, without_forged_results

__all__ = ["InboundAuth"]


class InboundAuth:
    def __init__(self, resolver: Resolver, hostname: str, trusted_relays: Sequence[str]) -> None:
        self.resolver = resolver
        self.hostname = hostname
        self.trusted = tuple(ipaddress.ip_network(n, strict=False) for n in trusted_relays)

    def trusts(self, peer: str) -> bool:
        """Whether ``peer`` (the client's address) is a trusted relay."""
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    async def stamp(self, message: bytes) -> bytes:
        """``message`` with forged results removed and ours on top."""
        dkim = await verify_signatures(message, self.resolver)
        field = results_field(self.hostname, dkim).encode("ascii", "replace")
        return field + without_forged_results(message, self.hostname)
