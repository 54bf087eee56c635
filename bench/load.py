"""Deliver the mailbox over LMTP on 4 parallel connections; the first measurement.

Workers take the next message from one shared iterator, so the messages arrive in about
the order they were generated. A connection is replaced every ``_PER_CONNECTION``
messages, as an MTA recycles its LMTP connections (and to stay far below any
commands-per-connection limit); that costs the same on both servers.
"""

from __future__ import annotations

import smtplib
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from bench.mailbox import Mailbox
from bench.target import Target

__all__ = ["CONNECTIONS", "deliver", "deliver_one"]

CONNECTIONS = 4
SENDER = "sender@example.com"
_PER_CONNECTION = 2000
_PROGRESS = 10_000
_TIMEOUT = 120.0
_ONE = (
    b"From: Wake Up <wake@example.com>\r\nTo: bench@bench.example\r\n"
    b"Subject: wake up\r\nMessage-ID: <wake@bench.example>\r\n\r\n" + b"new mail\r\n" * 200
)


class _Feed:
    """A thread-safe view of the messages, one at a time, with a progress line now and then."""

    def __init__(self, messages: list[bytes]) -> None:
        self._messages: Iterator[bytes] = iter(messages)
        self._total = len(messages)
        self._taken = 0
        self._lock = threading.Lock()

    def next(self) -> bytes | None:
        with self._lock:
            if self._taken and self._taken % _PROGRESS == 0:
                print(f"bench:   {self._taken:,} of {self._total:,}", file=sys.stderr, flush=True)
            self._taken += 1
            return next(self._messages, None)


def _connect(target: Target) -> smtplib.LMTP:
    client = smtplib.LMTP(target.host, target.ports["lmtp"], timeout=_TIMEOUT)
    client.ehlo("bench.example")  # LHLO
    return client


def _worker(target: Target, feed: _Feed, recipient: str) -> int:
    delivered = 0
    client = _connect(target)
    try:
        while (message := feed.next()) is not None:
            if delivered and delivered % _PER_CONNECTION == 0:
                client.quit()
                client = _connect(target)
            client.sendmail(SENDER, [recipient], message)
            delivered += 1
    finally:
        client.close()
    return delivered


def deliver(targets: Target | Sequence[Target], mailbox: Mailbox) -> float:
    """Deliver every message once; return the rate in messages per second. Given several
    targets (hato nodes on one database), connection ``i`` goes to ``targets[i % n]``."""
    nodes = [targets] if isinstance(targets, Target) else list(targets)
    feed = _Feed(mailbox.messages)
    start = time.perf_counter()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        jobs = [
            pool.submit(_worker, nodes[i % len(nodes)], feed, mailbox.recipient)
            for i in range(CONNECTIONS)
        ]
        delivered = sum(job.result() for job in jobs)
    elapsed = time.perf_counter() - start
    if delivered != len(mailbox.messages):
        raise RuntimeError(f"{nodes[0].name}: delivered {delivered} of {len(mailbox.messages)}")
    return delivered / elapsed


def deliver_one(target: Target, recipient: str = "bench@bench.example") -> float:
    """One small message over a new LMTP connection (the IDLE row's wake-up); when its
    ``250`` was read (time.perf_counter)."""
    client = _connect(target)
    try:
        client.sendmail(SENDER, [recipient], _ONE)
        return time.perf_counter()
    finally:
        client.quit()
