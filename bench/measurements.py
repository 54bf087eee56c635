"""The rows of the table: one small function each, over the standard library's clients.

A row says which service it needs, its unit, and whether it is timed (warm-up + median of
``--repeat``) or taken once. A row whose service a server lacks shows ``n/a``. To add a
row (SORT, THREAD, CONDSTORE ...), write a function ``(Target, Context) -> float`` and
append a ``Measurement`` to ``MEASUREMENTS``.
"""

from __future__ import annotations

import imaplib
import poplib
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.target import Target, pss_mb

__all__ = ["MEASUREMENTS", "Context", "Measurement"]

SAMPLE = 1000
SESSIONS = 10
_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class Context:
    """What every row may rely on: the mailbox holds ``count`` messages, same on both servers."""

    count: int
    seed: int = 1

    def sample(self, size: int = SAMPLE) -> list[int]:
        """Message numbers (1-based), seeded, in random order: the same list for both servers."""
        return random.Random(self.seed).sample(range(1, self.count + 1), min(size, self.count))


@dataclass(frozen=True, slots=True)
class Measurement:
    label: str
    unit: str  # "ms", "msg/s" or "MB"
    service: str
    run: Callable[[Target, Context], float]
    timed: bool = True  # warm-up run, then the median of --repeat runs


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


# POP3 (RFC 1939)


def _pop3_login(target: Target) -> poplib.POP3:
    client = poplib.POP3(target.host, target.ports["pop3"], timeout=_TIMEOUT)
    client.user(target.user)
    client.pass_(target.password)
    return client


@contextmanager
def _pop3(target: Target, context: Context) -> Iterator[poplib.POP3]:
    client = _pop3_login(target)
    try:
        count = client.stat()[0]
        if count != context.count:
            raise RuntimeError(f"{target.name}: POP3 STAT says {count}, not {context.count}")
        yield client
    finally:
        client.quit()


def pop3_listing(target: Target, context: Context) -> float:
    """Connect, USER/PASS, STAT, UIDL, LIST: what a POP3 client does on every check."""
    start = time.perf_counter()
    client = _pop3_login(target)
    client.stat()
    client.uidl()
    client.list()
    elapsed = _ms_since(start)
    client.quit()
    return elapsed


def pop3_retr(target: Target, context: Context) -> float:
    """1,000 RETR of seeded random messages on one logged-in connection."""
    with _pop3(target, context) as client:
        start = time.perf_counter()
        sizes = [len(b"".join(client.retr(number)[1])) for number in context.sample()]
        elapsed = _ms_since(start)
        _expect(target, "RETR of 2 KB or more", sum(size > 2000 for size in sizes), len(sizes))
        return elapsed


def pop3_login(target: Target, context: Context) -> float:
    """Connect, USER/PASS: the password check alone (argon2id on both servers)."""
    start = time.perf_counter()
    client = _pop3_login(target)
    elapsed = _ms_since(start)
    client.quit()
    return elapsed


def pop3_sessions_memory(target: Target, context: Context) -> float:
    """Memory (PSS) of all the server's processes with 10 POP3 sessions open (after STAT)."""
    clients = [_pop3_login(target) for _ in range(SESSIONS)]
    try:
        for client in clients:
            client.stat()
        time.sleep(0.5)
        return pss_mb(target.pids())
    finally:
        for client in clients:
            client.quit()


# IMAP (RFC 3501)


def _imap_login(target: Target) -> imaplib.IMAP4:
    client = imaplib.IMAP4(target.host, target.ports["imap"], timeout=_TIMEOUT)
    client.login(target.user, target.password)
    return client


@contextmanager
def _imap(target: Target, context: Context) -> Iterator[imaplib.IMAP4]:
    client = _imap_login(target)
    try:
        status, data = client.select("INBOX")
        if status != "OK" or data[0] != str(context.count).encode():
            raise RuntimeError(f"{target.name}: SELECT INBOX says {status} {data}")
        yield client
    finally:
        client.logout()


def _check(status: str, data: object) -> None:
    if status != "OK":
        raise RuntimeError(f"IMAP said {status} {data!r}")


def imap_select(target: Target, context: Context) -> float:
    """Connect, LOGIN, SELECT INBOX."""
    start = time.perf_counter()
    client = _imap_login(target)
    _check(*client.select("INBOX"))
    elapsed = _ms_since(start)
    client.logout()
    return elapsed


def _expect(target: Target, what: str, got: int, wanted: int) -> None:
    """Checked after the clock stops: a fast wrong answer must not pass for a fast one."""
    if got != wanted:
        raise RuntimeError(f"{target.name}: {what}: {got} answers, not {wanted}")


def imap_fetch_flags(target: Target, context: Context) -> float:
    """``FETCH 1:* (FLAGS)`` on the selected mailbox."""
    with _imap(target, context) as client:
        start = time.perf_counter()
        status, data = client.fetch("1:*", "(FLAGS)")
        elapsed = _ms_since(start)
        _check(status, data)
        _expect(target, "FETCH 1:* (FLAGS)", len(data), context.count)
        return elapsed


def _uids(client: imaplib.IMAP4, numbers: list[int]) -> list[bytes]:
    status, data = client.uid("SEARCH", "ALL")
    _check(status, data)
    every = data[0].split()
    return [every[number - 1] for number in numbers]


def imap_uid_fetch_bodies(target: Target, context: Context) -> float:
    """One ``UID FETCH`` of 1,000 seeded random messages' ``BODY[]``."""
    with _imap(target, context) as client:
        sample = context.sample()
        uid_set = b",".join(_uids(client, sample)).decode()
        start = time.perf_counter()
        status, data = client.uid("FETCH", uid_set, "(BODY[])")
        elapsed = _ms_since(start)
        _check(status, data)
        bodies = [item[1] for item in data if isinstance(item, tuple)]
        _expect(target, "UID FETCH BODY[]", len(bodies), len(sample))
        _expect(
            target,
            "UID FETCH BODY[] of 2 KB or more",
            sum(len(b) > 2000 for b in bodies),
            len(sample),
        )
        return elapsed


MEASUREMENTS: tuple[Measurement, ...] = (
    Measurement("POP3 connect + USER/PASS", "ms", "pop3", pop3_login),
    Measurement("POP3 login + STAT + UIDL + LIST", "ms", "pop3", pop3_listing),
    Measurement(f"POP3 {SAMPLE:,} RETR, one connection", "ms", "pop3", pop3_retr),
    Measurement(
        f"memory (PSS), {SESSIONS} POP3 sessions open", "MB", "pop3", pop3_sessions_memory, False
    ),
    Measurement("IMAP LOGIN + SELECT INBOX", "ms", "imap", imap_select),
    Measurement("IMAP FETCH 1:* (FLAGS)", "ms", "imap", imap_fetch_flags),
    Measurement(f"IMAP UID FETCH {SAMPLE:,} BODY[]", "ms", "imap", imap_uid_fetch_bodies),
)
