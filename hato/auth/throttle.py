"""The failed-login throttle, shared by every protocol: slow the attacker, not the owner.

Theory of operation. Failures are counted three ways, each forgotten after
``window`` seconds without a new one: per client address, per (address,
account) pair, and per account. A count of ``n`` means a wait of
``base * 2**(n-1)`` seconds, capped at ``maximum``; the waits are an ``await``
in the failing session only, so other clients are never blocked.

- Before an attempt is checked, it waits for its *address*: the larger of the
  address's and the pair's counts. A correct password from an address without
  failures is therefore answered at once, however hard the account is being
  attacked from elsewhere (the old per-account wait made the owner wait 15 s).
- A *failed* attempt then also waits for the *account's* count (what it did not
  wait already), so guessing one account from many addresses still slows down,
  while a success is never delayed by it.
- A success forgets the pair and takes its failures off the address's count:
  an owner's own typos stop slowing the address, failures against other
  accounts from it stay.
- An account whose count reaches ``attack_threshold`` is *under attack*: one
  warning line when that starts (at most ``_WARNINGS_PER_MINUTE`` such lines a
  minute over all accounts), and it is counted in ``counters``, which the web
  console's ``/metrics`` reads.

Client addresses are keyed by ``client_key`` (an IPv6 client is its /64, see
clients.py), and account names by ``normalize_username``, as the login looks them up,
so ``" alice"`` and ``"ALICE\\t"`` share one budget. The tables are bounded.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from hato.auth.clients import client_key
from hato.auth.names import normalize_username
from hato.logs import event

__all__ = ["LoginThrottle", "ThrottleCounters"]

log = logging.getLogger(__name__)

_ADDRESSES_KEPT = 100  # distinct addresses remembered per attacked account (for the log)
_WARNINGS_PER_MINUTE = 10


@dataclass(frozen=True, slots=True)
class ThrottleCounters:
    """Totals since the start, for monitoring."""

    failed_logins: int
    attacks_started: int
    accounts_under_attack: int
    attack_warnings_suppressed: int


@dataclass(slots=True)
class _Count:
    failures: int = 0
    last: float = 0.0
    addresses: set[str] = field(default_factory=set)
    attacked: bool = False


class LoginThrottle:
    def __init__(
        self,
        base: float = 0.5,
        maximum: float = 15.0,
        window: float = 900.0,
        capacity: int = 100_000,
        attack_threshold: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.maximum = maximum
        self.window = window
        self.capacity = capacity
        self.attack_threshold = attack_threshold
        self._clock = clock
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        self._failed_logins = 0
        self._attacks_started = 0
        self._suppressed = 0
        self._warnings: list[float] = []

    def delay(self, address: str, account: str | None) -> float:
        """Seconds an attempt waits before it is checked: its address's failures only."""
        return self._wait(max(self._failures(_address_key(address)), self._pair(address, account)))

    def failed(self, address: str, account: str | None) -> float:
        """Count a failure; the further seconds to wait before answering it."""
        name = normalize_username(account or "")
        before = self.delay(address, name)
        extra = self._wait(self._failures(_account_key(name))) - before if name else 0.0
        self._failed_logins += 1
        self._bump(_address_key(address))
        if name:
            self._bump(_pair_key(address, name))
            self._account_failed(name, address)
        return max(0.0, extra)

    def succeeded(self, address: str, account: str | None) -> None:
        name = normalize_username(account or "")
        pair = self._counts.pop(_pair_key(address, name), None) if name else None
        entry = self._counts.get(_address_key(address))
        if pair is not None and entry is not None:
            entry.failures -= pair.failures
            if entry.failures <= 0:
                del self._counts[_address_key(address)]

    @property
    def counters(self) -> ThrottleCounters:
        now = self._clock()
        attacked = sum(
            1 for key, count in self._counts.items()
            if key.startswith("user:") and count.attacked and now - count.last <= self.window
        )  # fmt: skip
        return ThrottleCounters(
            self._failed_logins, self._attacks_started, attacked, self._suppressed
        )

    def _wait(self, failures: int) -> float:
        if failures == 0:
            return 0.0
        # The exponent is capped: 2**1024 is past any float (OverflowError), and an
        # account under a long attack easily has a thousand failures.
        return min(self.maximum, self.base * 2.0 ** min(failures - 1, 64))

    def _pair(self, address: str, account: str | None) -> int:
        name = normalize_username(account or "")
        return self._failures(_pair_key(address, name)) if name else 0

    def _failures(self, key: str) -> int:
        count = self._live(key)
        return count.failures if count is not None else 0

    def _live(self, key: str) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and self._clock() - count.last > self.window:
            del self._counts[key]
            return None
        return count

    def _bump(self, key: str) -> _Count:
        count = self._live(key) or _Count()
        count.failures += 1
        count.last = self._clock()
        self._counts[key] = count
        self._counts.move_to_end(key)
        while len(self._counts) > self.capacity:
            self._counts.popitem(last=False)
        return count

    def _account_failed(self, name: str, address: str) -> None:
        count = self._bump(_account_key(name))
        if len(count.addresses) < _ADDRESSES_KEPT:
            count.addresses.add(address)
        if count.failures >= self.attack_threshold and not count.attacked:
            count.attacked = True
            self._attacks_started += 1
            self._warn_attack(name, count)

    def _warn_attack(self, name: str, count: _Count) -> None:
        """One line when an account comes under attack, rate-limited over all accounts."""
        now = self._clock()
        self._warnings = [t for t in self._warnings if now - t < 60.0]
        if len(self._warnings) >= _WARNINGS_PER_MINUTE:
            self._suppressed += 1
            return
        self._warnings.append(now)
        shown = f"{len(count.addresses)}+" if len(count.addresses) >= _ADDRESSES_KEPT else ""
        event(
            log, logging.WARNING, "attack", account=name,
            failures=count.failures, addresses=shown or len(count.addresses),
            window=int(self.window), suppressed=self._suppressed,
        )  # fmt: skip


def _address_key(address: str) -> str:
    return f"ip:{client_key(address)}"


def _pair_key(address: str, name: str) -> str:
    return f"pair:{client_key(address)} {name}"


def _account_key(name: str) -> str:
    return f"user:{name}"
