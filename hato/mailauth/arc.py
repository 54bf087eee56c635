"""ARC chain validation (RFC 8617 §5.2), with dkimpy: mail that came through a forwarder.

As for DKIM (``hato.mailauth.dkim_verify``), the keys of every ARC-Seal and
ARC-Message-Signature are fetched first through hato's resolver, then dkimpy
validates the chain in a worker thread from what was fetched. The result is
the chain's: ``none`` (no ARC sets), ``pass``, ``fail``; ``temperror`` when a
key could not be fetched now. A chain of more than ``MAX_INSTANCES`` sets
(RFC 8617 §4.2.1: i= is at most 50) fails without a check.

The result is reported; no policy is taken from it (RFC 8617 §7.2 leaves to
the receiver whether a passing chain from a sealer it trusts may override a
DMARC failure, and hato trusts none yet).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from hato.mailauth.dkim_verify import (
    QUIET,
    Keys,
    fetch_keys,
    key_lookup,
    key_name,
    signature_fields,
    tag_list,
)
from hato.mailauth.resolver import DnsTemporaryError, Resolver

__all__ = ["MAX_INSTANCES", "ArcResult", "verify_chain"]

MAX_INSTANCES = 50
_FIELDS = (b"arc-seal", b"arc-message-signature")


@dataclass(frozen=True, slots=True)
class ArcResult:
    result: str  # none, pass, fail, temperror (RFC 8617 §5.2, RFC 8601 method "arc")
    reason: str = ""


async def verify_chain(message: bytes, resolver: Resolver) -> ArcResult:
    sets = [tag_list(v) for name in _FIELDS for v in signature_fields(message, name)]
    if not sets and not signature_fields(message, b"arc-authentication-results"):
        return ArcResult("none")
    if len(sets) > 2 * MAX_INSTANCES:
        return ArcResult("fail", "too many ARC sets")
    keys = await fetch_keys(resolver, sets)
    names = [key_name(tags) for tags in sets]
    if any(name is not None and isinstance(keys.get(name), DnsTemporaryError) for name in names):
        return ArcResult("temperror", "key lookup failed")
    return await asyncio.to_thread(_validate, message, keys)


def _validate(message: bytes, keys: Keys) -> ArcResult:
    import dkim  # where used: see hato.mailauth

    try:
        verdict, _, reason = dkim.ARC(message, logger=QUIET, minkey=1024).verify(
            dnsfunc=key_lookup(keys)
        )
    except dkim.DKIMException as error:
        return ArcResult("fail", str(error)[:80])
    if verdict == dkim.CV_Pass:
        return ArcResult("pass")
    if verdict == dkim.CV_None:
        return ArcResult("none")
    return ArcResult("fail", str(reason)[:80])
