"""The server's Prometheus metrics: counted where things happen, read at ``GET /metrics``.

A leaf module: every layer may count into it, and it imports nothing from hato. The
metrics live in a registry of their own (``REGISTRY``), not prometheus-client's global
one, so nothing else a library registers there shows up in hato's page. Each place
that counts makes one call:

- connections: the stream listener (POP3, IMAP, ManageSieve) and the SMTP protocol
  class (SMTP, submission, LMTP), by service name; the web console's open connections
  are aiohttp's own count, read when asked (``watch``);
- logins: the Authenticator's conclusion, by protocol and result;
- messages: delivery into local mailboxes, acceptance on submission, and the relay's
  outcomes (relayed, deferred, bounced);
- POP3 maildrops: whether a login's listing was kept from an earlier session or read
  from the store (hato.server.maildrops);
- command latency: IMAP, POP3 and ManageSieve time each command's handler (IDLE and
  AUTHENTICATE, which wait for the client, are left out); SMTP times from a client's
  bytes to the server's next reply;
- the queue's length and the store's size are asked of the store when the page is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = [
    "CONTENT_TYPE",
    "REGISTRY",
    "closed",
    "exposition",
    "login",
    "maildrop",
    "message",
    "open_connections",
    "opened",
    "replied",
    "store_figures",
    "timed",
    "watch",
]

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

_CONNECTIONS = Gauge(
    "hato_connections_open", "Open client connections", ["protocol"], registry=REGISTRY
)
_ACCEPTED = Counter(
    "hato_connections", "Client connections accepted", ["protocol"], registry=REGISTRY
)
_LOGINS = Counter(
    "hato_logins", "Login attempts concluded", ["protocol", "result"], registry=REGISTRY
)
_MESSAGES = Counter(
    "hato_messages",
    "Messages delivered to local mailboxes, submitted, relayed, deferred or bounced",
    ["event"],
    registry=REGISTRY,
)
_MAILDROPS = Counter(
    "hato_pop3_maildrops",
    "POP3 logins, by where their listing came from: kept from an earlier session or read",
    ["source"],
    registry=REGISTRY,
)
_LATENCY = Histogram(
    "hato_command_seconds",
    "Seconds from a command to its answer",
    ["protocol"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
_QUEUE = Gauge("hato_queue_recipients", "Recipients waiting in the outbound queue",
               registry=REGISTRY)  # fmt: skip
_STORE = Gauge("hato_store_bytes", "Bytes the store takes (database file or database)",
               registry=REGISTRY)  # fmt: skip

#: Commands that wait for the client, not for the server: their time says nothing.
_CLIENT_PACED = frozenset({"IDLE", "AUTHENTICATE"})


def opened(protocol: str) -> None:
    _ACCEPTED.labels(protocol).inc()
    _CONNECTIONS.labels(protocol).inc()


def closed(protocol: str) -> None:
    _CONNECTIONS.labels(protocol).dec()


def watch(protocol: str, count: Callable[[], int]) -> None:
    """Open connections of a listener that counts them itself (the web console's)."""
    _CONNECTIONS.labels(protocol).set_function(count)


def open_connections() -> dict[str, int]:
    """Open connections per protocol, for the server page."""
    return {
        sample.labels["protocol"]: int(sample.value)
        for metric in _CONNECTIONS.collect()
        for sample in metric.samples
    }


def login(protocol: str, ok: bool) -> None:
    _LOGINS.labels(protocol, "ok" if ok else "failed").inc()


def maildrop(kept: bool) -> None:
    _MAILDROPS.labels("kept" if kept else "read").inc()


def message(event: str) -> None:
    """``delivered``, ``submitted``, ``relayed``, ``deferred`` or ``bounced``."""
    _MESSAGES.labels(event).inc()


def _latency(protocol: str) -> Histogram:
    """The latency histogram of ``protocol``: ``labels()`` looked up once a protocol,
    not once a command (it hashes and locks on every call)."""
    child = _LATENCY_OF.get(protocol)
    if child is None:
        child = _LATENCY_OF[protocol] = _LATENCY.labels(protocol)
    return child


_LATENCY_OF: dict[str, Histogram] = {}


class timed:
    """Observe the time the ``with`` block takes as one command of ``protocol`` (a
    class, not a generator context manager: it runs once a command)."""

    __slots__ = ("_protocol", "_started")

    def __init__(self, protocol: str, command: str = "") -> None:
        self._protocol = "" if command.upper() in _CLIENT_PACED else protocol
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._protocol:
            _latency(self._protocol).observe(time.perf_counter() - self._started)


def replied(protocol: str, since: float) -> None:
    """A reply went out to a command whose first byte came at ``since`` (perf_counter)."""
    _latency(protocol).observe(time.perf_counter() - since)


def store_figures(queue_recipients: int, store_bytes: int) -> None:
    _QUEUE.set(queue_recipients)
    _STORE.set(store_bytes)


def exposition() -> bytes:
    """The Prometheus text format of every metric."""
    return generate_latest(REGISTRY)
