"""Remembered logins and a bound on password hashing, as Dovecot's auth_cache.

A password hash (argon2id, 64 MiB) costs about 160 ms of CPU and its memory
while it runs: a login storm would take all of both. So:

- ``LoginCache`` remembers, for ``ttl`` seconds, that a password was right.
  An entry is an HMAC-SHA256 of (account, password, stored hash) under a key
  drawn at random when the process starts: a memory dump shows neither the
  password nor anything to test guesses against once the process is gone.
  The stored hash is part of the key, so a changed password (on any node:
  the new hash comes from the store) misses the cache at once. Only
  verified passwords go in; a wrong one is never remembered, so it is
  checked (and throttled) every time. At most ``size`` entries, the oldest
  dropped first.
- ``HashChecks`` runs the checks in worker threads, at most ``at_once`` of
  them together; the others queue, so memory stays flat under a storm.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

__all__ = ["HashChecks", "LoginCache"]


class LoginCache:
    """Verified (account, password, stored hash) triples, remembered as HMACs for a time."""

    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._key = secrets.token_bytes(32)  # per process, never stored
        self._expiry: OrderedDict[bytes, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    def _digest(self, account: str, password: str, stored_hash: str) -> bytes:
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for part in (account, password, stored_hash):
            data = part.encode("utf-8", "surrogatepass")
            mac.update(len(data).to_bytes(4, "big"))  # no two triples run together alike
            mac.update(data)
        return mac.digest()

    def knows(self, account: str, password: str, stored_hash: str) -> bool:
        """True if this password was verified against this stored hash within ``ttl``."""
        digest = self._digest(account, password, stored_hash)
        expiry = self._expiry.get(digest)
        if expiry is None:
            return False
        if expiry <= self._clock():
            del self._expiry[digest]
            return False
        return True

    def remember(self, account: str, password: str, stored_hash: str) -> None:
        """Note a password just verified; the oldest entry goes beyond ``size``."""
        digest = self._digest(account, password, stored_hash)
        self._expiry[digest] = self._clock() + self.ttl
        self._expiry.move_to_end(digest)
        while len(self._expiry) > self.size:
            self._expiry.popitem(last=False)


T = TypeVar("T")


class HashChecks:
    """Password checks in worker threads, at most ``at_once`` running; counted for tests."""

    def __init__(self, at_once: int) -> None:
        self.at_once = at_once
        self._gate: asyncio.Semaphore | None = None
        self.started = 0  # hashes checked so far
        self.running = 0
        self.most_running = 0

    async def verify(self, check: Callable[[], bool], known: Callable[[], bool]) -> bool:
        """``check()`` in a worker thread when a place is free, unless ``known()`` says by
        then that the password was verified meanwhile (a storm of one account's logins
        costs one hash, not one each)."""
        return await self.run(check, lambda: True if known() else None)

    async def run(self, work: Callable[[], T], done: Callable[[], T | None] = lambda: None) -> T:
        """``work()`` (a hash made or checked) in a worker thread when a place is free;
        ``done()``'s answer instead if it has one by then."""
        if self._gate is None:  # made on the loop that uses it
            self._gate = asyncio.Semaphore(self.at_once)
        async with self._gate:
            if (answer := done()) is not None:
                return answer
            self.started += 1
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            try:
                return await asyncio.to_thread(work)
            finally:
                self.running -= 1
