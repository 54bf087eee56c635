"""What the MX listener checks on mail from hosts it does not trust, and what follows.

For each message: SPF for the MAIL FROM identity (the HELO one for bounces),
every DKIM signature, DMARC for the From domain over both, and the ARC chain
(reported only). The outcome is
written into one Authentication-Results field at the top of the message, after
every field that claimed our host name is removed (RFC 8601 §5). Then the
``[auth]`` policy decides (``hato.config.AuthSettings``): refuse with ``550``, defer
with ``451`` when DNS failed (so a failure never passes in silence and the
sender retries), deliver to the Junk mailbox (``Stamped.junk``), or only mark.

Mail from a trusted relay (``[auth] trusted_relays``, by default 127.0.0.1
alone, so that test senders on 127.0.0.2 and up are checked like any other
host) and mail through submission or LMTP is not checked: its sender is known,
or a trusted MTA in front checked it already.

The checks' modules (SPF, DKIM, DMARC with the public suffix list's code, ARC, the
results field: about 0.3 MB) are imported by the first message checked, not with
this module: a server that takes mail over LMTP only, or from trusted relays only,
does not hold them.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hato.config import AuthSettings
    from hato.mailauth.arc_seal import ArcSealer
    from hato.mailauth.dkim_verify import DkimResult
    from hato.mailauth.dmarc import DmarcResult
    from hato.mailauth.resolver import Resolver
    from hato.mailauth.spf import SpfChecker, SpfResult

__all__ = ["AuthRefused", "InboundAuth", "Stamped"]

REJECT, DEFER, JUNK = "reject", "defer", "junk"


@dataclass(frozen=True, slots=True)
class Stamped:
    """The message with our Authentication-Results on top, and whether policy junks it."""

    message: bytes
    junk: bool = False


class AuthRefused(Exception):
    """The message is refused or deferred; ``reply`` is the SMTP answer."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


class InboundAuth:
    """The checks, the policy, and the ARC sealer of what was checked and goes on
    elsewhere (``hato.mailauth.arc_seal``)."""

    def __init__(
        self,
        resolver: Resolver,
        hostname: str,
        policy: AuthSettings,
        sealer: ArcSealer | None = None,
    ) -> None:
        self.resolver = resolver
        self.sealer = sealer
        self.hostname = hostname
        self.trusted = tuple(ipaddress.ip_network(n, strict=False) for n in policy.trusted_relays)
        self.policy = policy
        self._spf: SpfChecker | None = None  # made by the first check (module docstring)

    def trusts(self, peer: str) -> bool:
        """Whether ``peer`` (the client's address) is a trusted relay."""
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    async def stamp(self, message: bytes, peer: str, helo: str, sender: str) -> Stamped:
        """``message`` with forged results removed and ours on top; AuthRefused if policy says."""
        from hato.mailauth.arc import verify_chain
        from hato.mailauth.dkim_sign import from_domain
        from hato.mailauth.dkim_verify import verify_signatures
        from hato.mailauth.dmarc import evaluate_dmarc
        from hato.mailauth.results import results_field, without_forged_results
        from hato.mailauth.spf import SpfChecker

        if self._spf is None:
            self._spf = SpfChecker(self.resolver)
        # The three checks are independent: they wait for DNS and worker threads at once.
        spf, dkim, arc = await asyncio.gather(
            self._spf.check(peer, sender, helo),
            verify_signatures(message, self.resolver),
            verify_chain(message, self.resolver),
        )
        dmarc = await evaluate_dmarc(self.resolver, from_domain(message), spf, dkim)
        dmarc = _undecided_if_dkim_was(dmarc, dkim)
        junk = self._apply_policy(spf, dmarc)
        field = results_field(self.hostname, spf, dkim, dmarc, arc).encode("ascii", "replace")
        return Stamped(field + without_forged_results(message, self.hostname), junk)

    def _apply_policy(self, spf: SpfResult, dmarc: DmarcResult) -> bool:
        """Raise AuthRefused when policy refuses; whether it files the message as junk."""
        policy = self.policy
        actions: list[str] = []
        if "temperror" in (spf.result, dmarc.result) and policy.dns_failure == DEFER:
            # RFC 7372 §3.2: X.7.24, SPF validation error; RFC 7489 §6.6.3 lets DMARC defer.
            raise AuthRefused("451 4.7.24 Sender authentication failed for now (DNS), try again")
        if dmarc.result == "fail":
            action = {"reject": policy.dmarc_reject, "quarantine": policy.dmarc_quarantine}
            actions.append(action.get(dmarc.policy, ""))
            if action.get(dmarc.policy) == REJECT:  # RFC 7489 §6.6.4, §10.3
                raise AuthRefused(
                    f"550 5.7.1 Unauthenticated mail from {dmarc.from_domain} is refused"
                    " by its DMARC policy"
                )
        if spf.result == "fail" and policy.spf_fail == REJECT:  # RFC 7372 §3.2: X.7.23
            raise AuthRefused(f"550 5.7.23 SPF: {spf.domain} does not permit this host")
        if spf.result == "fail":
            actions.append(policy.spf_fail)
        return JUNK in actions  # RFC 7489 §6.3: quarantine, "e.g. the spam folder"


def _undecided_if_dkim_was(dmarc: DmarcResult, dkim: Sequence[DkimResult]) -> DmarcResult:
    """A DMARC fail while a key could not be fetched may be our DNS's fault: temperror."""
    if dmarc.result == "fail" and any(r.result == "temperror" for r in dkim):
        from hato.mailauth.dmarc import DmarcResult

        return DmarcResult("temperror", dmarc.from_domain, dmarc.policy)
    return dmarc
