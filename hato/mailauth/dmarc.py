"""DMARC (RFC 7489): does an SPF or DKIM pass speak for the From domain, and what does it ask?

- The policy record is ``_dmarc.FROM-DOMAIN``, else ``_dmarc.ORGANIZATIONAL-DOMAIN``
  (§6.6.3); a record that does not start ``v=DMARC1``, or more than one, is none.
- The organizational domain comes from the public suffix list (§3.2) of the
  ``publicsuffixlist`` package. Its default rule ``*`` makes a name under a
  suffix it does not know (``.test``, ``.example``) its own one-label suffix:
  the organizational domain of ``a.b.test`` is ``b.test``, never ``test``.
- Identifier alignment (§3.1): relaxed by default (same organizational
  domain), strict with ``adkim=s`` / ``aspf=s`` (the very same name).
- The policy asked for is ``sp=`` when the From domain is below the
  organizational domain and the record there has one, else ``p=``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from publicsuffixlist import PublicSuffixList

from hato.mailauth.dkim_verify import DkimResult
from hato.mailauth.resolver import DnsTemporaryError, Resolver, txt_text
from hato.mailauth.spf import SpfResult

__all__ = ["DmarcResult", "evaluate_dmarc", "organizational_domain"]

_POLICIES = ("none", "quarantine", "reject")
_TAG = re.compile(r"^\s*([a-z]+)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True, slots=True)
class DmarcResult:
    result: str  # none, pass, fail, temperror, permerror (RFC 8601 §2.7.7 via RFC 7489 §11.2)
    from_domain: str
    policy: str = "none"  # what the domain asks for on failure: none, quarantine, reject


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # read once: the list ships inside the package


def organizational_domain(domain: str) -> str:
    """RFC 7489 §3.2: one label more than the public suffix."""
    return str(_suffixes().privatesuffix(domain.lower()) or domain.lower())


async def evaluate_dmarc(
    resolver: Resolver, from_domain: str, spf: SpfResult, dkim: Sequence[DkimResult]
) -> DmarcResult:
    if not from_domain:
        return DmarcResult("none", "")
    organization = organizational_domain(from_domain)
    try:
        tags = await _record(resolver, from_domain)
        if tags is None and organization != from_domain:
            tags = await _record(resolver, organization)
    except DnsTemporaryError:
        return DmarcResult("temperror", from_domain)
    if tags is None:
        return DmarcResult("none", from_domain)
    policy = tags.get("p", "")
    if organization != from_domain and "sp" in tags:
        policy = tags["sp"]
    if policy not in _POLICIES:
        return DmarcResult("permerror", from_domain)
    aligned = _dkim_aligned(from_domain, dkim, tags.get("adkim") == "s") or _spf_aligned(
        from_domain, spf, tags.get("aspf") == "s"
    )
    return DmarcResult("pass" if aligned else "fail", from_domain, policy)


async def _record(resolver: Resolver, domain: str) -> dict[str, str] | None:
    answer = await resolver.txt(f"_dmarc.{domain}")
    records = [txt_text(r) for r in answer.records]
    dmarc = [r for r in records if re.match(rb"v\s*=\s*DMARC1\s*(;|$)", r)]
    if len(dmarc) != 1:
        return None
    return _tags(dmarc[0].decode("ascii", "replace"))


def _tags(text: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in text[:4096].split(";"):
        match = _TAG.match(part)
        if match:
            tags.setdefault(match.group(1).lower(), match.group(2).lower())
    return tags


def _aligned(from_domain: str, domain: str, strict: bool) -> bool:
    domain = domain.lower().rstrip(".")
    if strict:
        return domain == from_domain
    return bool(domain) and organizational_domain(domain) == organizational_domain(from_domain)


def _dkim_aligned(from_domain: str, dkim: Sequence[DkimResult], strict: bool) -> bool:
    return any(r.result == "pass" and _aligned(from_domain, r.domain, strict) for r in dkim)


def _spf_aligned(from_domain: str, spf: SpfResult, strict: bool) -> bool:
    return (
        spf.identity == "mailfrom"
        and spf.result == "pass"
        and _aligned(from_domain, spf.domain, strict)
    )
