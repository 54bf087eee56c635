"""The one DNS resolver behind every query hato makes (MX, TXT for SPF, DKIM, DMARC).

Theory of operation. dnspython's asyncio resolver does the wire work (RFC 1035,
TCP after a truncated UDP answer, RFC 7766). Around it, this module promises:

- **One place to point.** ``[dns] servers`` (``HOST:PORT`` each) replace the
  system's resolver (``/etc/resolv.conf``) for every query; with none given,
  the system's are used, read once.
- **Answers cached with their TTL.** dnspython's LRU cache keeps each answer
  until its TTL runs out, negative answers (NXDOMAIN, no data) too, for as long
  as the zone's SOA says (RFC 2308 §5); at most ``_CACHE_ENTRIES`` answers.
- **Nothing waits forever.** A query, queueing included, ends within
  ``timeout`` seconds, and at most ``concurrency`` queries are on the wire at
  once: a slow or broken resolver costs each caller at most ``timeout`` and
  cannot hold the event loop or pile up sockets.
- **Three outcomes.** An :class:`Answer` says whether the name exists and
  which records it has; every other failure (time-out, SERVFAIL, refused,
  unreachable) is a :class:`DnsTemporaryError`, which callers turn into a 4xx
  or a ``temperror`` and never into a pass (RFC 7208 §2.6.6, RFC 7489 §6.6.3).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # dnspython is imported at the first query (see hato.mailauth)
    import dns.asyncresolver
    import dns.rdata

__all__ = ["Answer", "DnsTemporaryError", "Resolver", "txt_text"]

_CACHE_ENTRIES = 10_000
DEFAULT_TIMEOUT = 5.0
DEFAULT_CONCURRENCY = 32


class DnsTemporaryError(Exception):
    """The question got no answer now (time-out, SERVFAIL, no server reachable)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the DNS said about one name and type.

    ``exists`` is False for NXDOMAIN (and for a name that cannot be a DNS
    name at all, such as one with a label over 63 octets); ``records`` is empty
    when the name exists but has no records of the type asked for.
    """

    exists: bool
    records: tuple[dns.rdata.Rdata, ...] = ()


_NO_SUCH_NAME = Answer(exists=False)


class Resolver:
    """Cached, time-bounded, concurrency-bounded DNS queries (see the module docstring)."""

    def __init__(
        self,
        servers: Sequence[tuple[str, int]] = (),
        timeout: float = DEFAULT_TIMEOUT,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.servers = tuple(servers)
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._resolver: dns.asyncresolver.Resolver | None = None

    def _dnspython(self) -> dns.asyncresolver.Resolver:
        """Made on first use, so a machine without resolv.conf fails one query, not startup."""
        if self._resolver is None:
            import dns.asyncresolver
            import dns.nameserver
            import dns.resolver

            resolver = dns.asyncresolver.Resolver(configure=not self.servers)
            if self.servers:
                resolver.nameservers = [
                    dns.nameserver.Do53Nameserver(host, port) for host, port in self.servers
                ]
            resolver.cache = dns.resolver.LRUCache(_CACHE_ENTRIES)
            resolver.timeout = self.timeout
            resolver.lifetime = self.timeout
            self._resolver = resolver
        return self._resolver

    async def query(self, name: str, rdtype: str) -> Answer:
        """The records of type ``rdtype`` at ``name`` (an absolute name, no search list)."""
        import dns.exception
        import dns.name
        import dns.resolver

        try:
            qname = dns.name.from_text(name)
        except (dns.exception.DNSException, UnicodeError):
            return _NO_SUCH_NAME  # not a DNS name: nothing can exist there
        try:
            async with asyncio.timeout(self.timeout):
                async with self._slots:
                    answer = await self._dnspython().resolve(qname, rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            return _NO_SUCH_NAME
        except dns.resolver.NoAnswer:
            return Answer(exists=True)
        except (dns.exception.DNSException, OSError, TimeoutError) as exc:
            raise DnsTemporaryError(f"DNS query {name} {rdtype} failed: {_why(exc)}") from exc
        return Answer(exists=True, records=tuple(answer))

    async def addresses(self, host: str) -> list[str]:
        """The IPv4 then the IPv6 addresses of ``host``; none when neither could be had."""
        found: list[str] = []
        for rdtype in ("A", "AAAA"):
            with contextlib.suppress(DnsTemporaryError):
                answer = await self.query(host, rdtype)
                found += [str(getattr(r, "address", "")) for r in answer.records]
        return [address for address in found if address]

    async def txt(self, name: str) -> Answer:
        """TXT records at ``name``; each record's strings are joined by :func:`txt_text`."""
        return await self.query(name, "TXT")


def txt_text(record: dns.rdata.Rdata) -> bytes:
    """One TXT record's character-strings joined without spaces.

    RFC 7208 §3.3 (SPF) and RFC 6376 §3.6.2.2 (DKIM keys) both say so.
    """
    strings: Sequence[bytes] = getattr(record, "strings", ())
    return b"".join(strings)


def _why(exc: BaseException) -> str:
    import dns.exception

    if isinstance(exc, TimeoutError | dns.exception.Timeout):
        return "timed out"
    return str(exc) or type(exc).__name__
