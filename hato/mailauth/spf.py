"""SPF (RFC 7208) for the MAIL FROM identity, or the HELO one for bounces, with pyspf.

Theory of operation. pyspf is the reference implementation (its tests are the
RFC 7208 test suite): it keeps the limits of §4.6.4 (10 DNS-querying terms,
2 void lookups, 10 MX or PTR names), so an SPF record that recurses ends as
``permerror``. It asks DNS through one module-level function, blocking. hato
runs each check in a worker thread of its own small pool and gives that
function a bridge: each question is put to hato's asynchronous resolver on the
event loop (cache, time limit, concurrency limit), and the thread waits for the
answer. A DNS failure is pyspf's ``TempError``, so the result is
``temperror``, never ``pass``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hato.mailauth.resolver import DnsTemporaryError, Resolver

__all__ = ["SpfChecker", "SpfResult"]

#: RFC 7208 §4.6.4: at least 20 seconds for the whole evaluation is suggested.
_CHECK_SECONDS = 20.0
_WORKERS = 8

_Lookup = Callable[[str, str], list[tuple[tuple[str, str], Any]]]
_current = threading.local()


@dataclass(frozen=True, slots=True)
class SpfResult:
    result: str  # none, neutral, pass, fail, softfail, temperror, permerror (RFC 7208 §2.6)
    identity: str  # "mailfrom" or "helo" (RFC 8601 §2.7.2: smtp.mailfrom / smtp.helo)
    domain: str  # the domain checked
    reason: str = ""


def _bridged_lookup(
    name: str, qtype: str, strict: bool = True, timeout: float = 0
) -> list[tuple[tuple[str, str], Any]]:
    """pyspf's ``DNSLookup``: answers from the lookup set for the current thread's check."""
    lookup: _Lookup = _current.lookup
    return lookup(name, qtype)


class SpfChecker:
    """SPF checks through ``resolver``; at most ``_WORKERS`` run at once."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._pool = concurrent.futures.ThreadPoolExecutor(_WORKERS, "hato-spf")

    async def check(self, ip: str, sender: str, helo: str) -> SpfResult:
        """The result for ``sender`` (MAIL FROM; "" for the null path) sent from ``ip``."""
        identity, checked = ("mailfrom", sender) if sender else ("helo", f"postmaster@{helo}")
        domain = checked.rpartition("@")[2].lower()
        loop = asyncio.get_running_loop()
        import spf  # pyspf, where used: see hato.mailauth

        spf.DNSLookup = _bridged_lookup  # pyspf's one DNS function, here always the bridge
        try:
            result, _, text = await loop.run_in_executor(
                self._pool, self._evaluate, loop, ip, checked, helo
            )
        except Exception as error:  # pyspf raising past its own handling: no verdict
            return SpfResult("temperror", identity, domain, type(error).__name__)
        return SpfResult(str(result), identity, domain, str(text)[:80])

    def _evaluate(
        self, loop: asyncio.AbstractEventLoop, ip: str, sender: str, helo: str
    ) -> tuple[str, int, str]:
        import spf

        _current.lookup = lambda name, qtype: self._ask(loop, name, qtype)
        try:
            query = spf.query(i=ip, s=sender, h=helo, querytime=_CHECK_SECONDS)
            outcome: tuple[str, int, str] = query.check()
            return outcome
        finally:
            _current.lookup = None

    def _ask(
        self, loop: asyncio.AbstractEventLoop, name: str, qtype: str
    ) -> list[tuple[tuple[str, str], Any]]:
        import spf

        future = asyncio.run_coroutine_threadsafe(self.resolver.query(name, qtype), loop)
        try:
            answer = future.result(self.resolver.timeout + 1)
        except (DnsTemporaryError, concurrent.futures.TimeoutError) as error:
            raise spf.TempError(f"DNS {error}") from error
        return [((name, qtype), _value(qtype, record)) for record in answer.records]


def _value(qtype: str, record: Any) -> Any:
    """A record as pyspf's own dnspython lookup hands it on."""
    if qtype in ("A", "AAAA"):
        return record.address
    if qtype == "MX":
        return (record.preference, record.exchange)
    if qtype == "PTR":
        return record.target.to_text(True)
    return record.strings  # TXT
