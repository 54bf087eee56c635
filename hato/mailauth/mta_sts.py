"""MTA-STS (RFC 8461): which MX hosts of a domain may receive its mail, and only over verified TLS.

Theory of operation. Before the relay sends to a domain by its MX records, it asks
:meth:`MtaSts.policy`:

1. The TXT record at ``_mta-sts.DOMAIN`` (through hato's resolver, so
   ``[dns] servers`` apply): ``v=STSv1; id=...`` (§3.1). Records that do not
   begin with ``v=STSv1`` are ignored; anything but exactly one left means the
   domain has no policy.
2. When its ``id`` differs from the cached policy's (or nothing is cached), the
   policy is fetched from ``https://mta-sts.DOMAIN/.well-known/mta-sts.txt``
   (§3.3): a certificate valid for that name, no redirects followed, no HTTP
   caching, a ``text/plain`` answer of at most ``MAX_POLICY_OCTETS``, within
   ``timeout`` seconds. The address of ``mta-sts.DOMAIN`` is asked of hato's
   resolver too.
3. The policy (§3.2: ``version: STSv1``, ``mode``, one ``mx`` line per pattern,
   ``max_age``) is kept for ``max_age`` seconds (at most a year), in memory and
   in ``DATA_DIR/mta-sts/DOMAIN.json``, so a restart does not open a window in
   which an attacker who strips the TXT record would go unnoticed.
4. If no live policy can be had (no record, a DNS failure, a failed fetch) a
   cached one that has not expired still holds (§3.3); without one the domain is
   treated as having none: opportunistic TLS, as before.

The relay applies the answer (``hato.delivery.relay``): in ``enforce`` mode only
the MX hosts that match an ``mx`` pattern (§4.1) are tried, over STARTTLS with
TLS 1.2 or newer and a certificate that chains to a trusted root and names the
MX host (§4.2, §7.2); a host that fails is skipped, and when none is left the
message waits in the queue (a temporary failure, never a bounce: §5.1). In
``testing`` mode every MX host is used as without a policy and each mismatch is
logged. ``none`` is no policy. TLS reporting (RFC 8460) is not sent.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hato.mailauth.resolver import DnsTemporaryError, Resolver, txt_text

__all__ = [
    "MAX_AGE",
    "MAX_POLICY_OCTETS",
    "MtaSts",
    "Policy",
    "PolicyError",
    "host_matches",
    "parse_policy",
    "record_id",
    "verifying_context",
]

log = logging.getLogger(__name__)

#: The longest a policy is kept (§3.2: max_age is at most 31557600 seconds).
MAX_AGE = 31_557_600
#: The largest policy answer read (§3.3 suggests 64 kilobytes).
MAX_POLICY_OCTETS = 64 * 1024
HTTPS_PORT = 443
_RECORD = re.compile(r"v=STSv1\s*(?:;|$)")
#: §3.1: id is 1 to 32 letters and digits.
_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_MODES = ("enforce", "testing", "none")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
#: An ``mx`` pattern (§3.2): a host name of two labels or more, perhaps after ``*.``.
_MX_PATTERN = re.compile(rf"(?:\*\.)?{_LABEL}(?:\.{_LABEL})+")
#: A policy of thousands of mx lines is nobody's: at most this many are kept.
_MAX_PATTERNS = 64
_RETRY_FETCH = 300.0  # seconds before a failed fetch is tried again for the same id (§3.3)


class PolicyError(ValueError):
    """A policy answer that is not one (§3.2); the text says why, for the log."""


@dataclass(frozen=True, slots=True)
class Policy:
    """A domain's policy as fetched (§3.2), with the TXT record's ``id`` it came with."""

    id: str
    mode: str  # enforce, testing or none
    mx: tuple[str, ...]
    max_age: int
    fetched: float

    def expired(self, now: float) -> bool:
        return now >= self.fetched + self.max_age

    def permits(self, host: str) -> bool:
        """Whether the MX host ``host`` matches one of the policy's ``mx`` patterns (§4.1)."""
        return any(host_matches(pattern, host) for pattern in self.mx)


def host_matches(pattern: str, host: str) -> bool:
    """§4.1: a pattern is a host name, or ``*.`` and a name, whose ``*`` stands for
    exactly one whole label (``*.example.net`` matches ``mx1.example.net``, neither
    ``example.net`` nor ``a.b.example.net``). Case and a final dot do not count."""
    host = host.lower().rstrip(".")
    pattern = pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        label, dot, rest = host.partition(".")
        return bool(label) and bool(dot) and rest == pattern[2:]
    return host == pattern


def record_id(texts: Sequence[bytes]) -> str | None:
    """The ``id`` of the one ``v=STSv1`` record among a name's TXT records (§3.1),
    or None: no such record, several, or one that is not valid."""
    records = [t.decode("ascii", "replace") for t in texts]
    ours = [r for r in records if _RECORD.match(r)]
    if len(ours) != 1:
        return None
    fields = dict(_pairs(ours[0].split(";"), "="))
    found = fields.get("id", "")
    return found if _ID.fullmatch(found) else None


def parse_policy(text: str, policy_id: str, now: float) -> Policy:
    """The policy in ``text`` (§3.2: ``key: value`` lines, LF or CRLF; unknown keys
    ignored); PolicyError if a required field is missing or not valid."""
    fields: dict[str, list[str]] = {}
    for key, value in _pairs(text.splitlines(), ":"):
        fields.setdefault(key, []).append(value)
    if fields.get("version") != ["STSv1"]:
        raise PolicyError("no 'version: STSv1'")
    mode = (fields.get("mode") or [""])[0]
    if mode not in _MODES:
        raise PolicyError(f"mode {mode[:20]!r} is not enforce, testing or none")
    age = (fields.get("max_age") or [""])[0]
    if not (age.isascii() and age.isdigit() and len(age) <= 10):
        raise PolicyError("max_age is not a number of seconds")
    patterns = tuple(p.lower() for p in fields.get("mx", []) if _MX_PATTERN.fullmatch(p.lower()))
    if mode != "none" and not patterns:
        raise PolicyError("no valid mx pattern")
    return Policy(policy_id, mode, patterns[:_MAX_PATTERNS], min(int(age), MAX_AGE), now)


def _pairs(lines: Sequence[str], separator: str) -> list[tuple[str, str]]:
    pairs = []
    for line in lines:
        key, found, value = line.partition(separator)
        if found:
            pairs.append((key.strip(), value.strip()))
    return pairs


class MtaSts:
    """Policies of the domains hato sends to, fetched and cached (see the module docstring)."""

    def __init__(
        self,
        resolver: Resolver,
        cache_dir: Path | None = None,
        port: int = HTTPS_PORT,
        timeout: float = 60.0,
    ) -> None:
        self.resolver = resolver
        self.cache_dir = cache_dir
        self.port = port  # 443; another only for tests, whose servers cannot take it
        self.timeout = timeout
        self._cache: dict[str, Policy] = {}
        self._failed: dict[tuple[str, str], float] = {}

    async def policy(self, domain: str, now: float | None = None) -> Policy | None:
        """The policy that holds for ``domain`` now, or None (no MTA-STS: send as before)."""
        now = time.time() if now is None else now
        domain = domain.lower().rstrip(".")
        cached = self._cached(domain, now)
        try:
            answer = await self.resolver.txt(f"_mta-sts.{domain}")
        except DnsTemporaryError:
            return cached  # §3.3: no live policy; a cached one still holds
        found = record_id([txt_text(r) for r in answer.records])
        if found is None or (cached is not None and cached.id == found):
            return cached
        if now < self._failed.get((domain, found), 0.0):
            return cached
        try:
            policy = parse_policy(await self._fetch(domain), found, now)
        except (PolicyError, OSError, TimeoutError, UnicodeError) as error:
            self._failed[(domain, found)] = now + _RETRY_FETCH
            log.warning("MTA-STS: no policy for %s: %s", domain, str(error)[:160] or type(error))
            return cached
        self._keep(domain, policy)
        return policy

    async def _fetch(self, domain: str) -> str:
        """The policy's text from ``https://mta-sts.DOMAIN/.well-known/mta-sts.txt`` (§3.3),
        by aiohttp (``hato.mailauth.sts_fetch``, imported at the first fetch)."""
        from hato.mailauth.sts_fetch import fetch_policy

        port = "" if self.port == HTTPS_PORT else f":{self.port}"
        url = f"https://mta-sts.{domain}{port}/.well-known/mta-sts.txt"
        return await fetch_policy(self.resolver, url, self.timeout)

    def _cached(self, domain: str, now: float) -> Policy | None:
        policy = self._cache.get(domain)
        if policy is None:
            policy = self._read(domain)
            if policy is not None:
                self._cache[domain] = policy
        if policy is not None and policy.expired(now):
            self._cache.pop(domain, None)
            return None
        return policy

    def _path(self, domain: str) -> Path | None:
        if self.cache_dir is None or not re.fullmatch(r"[a-z0-9.-]{1,253}", domain):
            return None
        return self.cache_dir / f"{domain}.json"

    def _read(self, domain: str) -> Policy | None:
        path = self._path(domain)
        if path is None:
            return None
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return Policy(
                str(data["id"]), str(data["mode"]), tuple(map(str, data["mx"])),
                int(data["max_age"]), float(data["fetched"]),
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none kept, or a file that is not ours: fetch anew

    def _keep(self, domain: str, policy: Policy) -> None:
        self._cache[domain] = policy
        path = self._path(domain)
        if path is None:
            return
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps(dataclasses.asdict(policy)), encoding="utf-8")
            partial.replace(path)
        except OSError as error:  # kept in memory all the same
            log.warning("MTA-STS: cannot keep the policy of %s: %s", domain, error)


def verifying_context() -> ssl.SSLContext:
    """TLS 1.2 or newer, a certificate chaining to a trusted root and naming the host
    (RFC 8461 §4.2, §7.2). The roots are the system's; OpenSSL's ``SSL_CERT_FILE``
    names others."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
