"""The server's Prometheus metrics: counted where things happen, read at ``GET /metrics``.

A leaf module: every layer may count into it, and it imports nothing from hato. The
page is made from a registry of its own, not prometheus-client's global one, so nothing
else a library registers there shows up in hato's page. Each place that counts makes
one call:

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

The counts are plain numbers here, counted in the event loop's thread (a count is an
addition in a dict, without the lock prometheus-client's metric objects take on every
call). prometheus-client, whose package imports its HTTP server's modules (http.server,
wsgiref, urllib.request: about 1.6 MB of a fresh server's memory), is imported by the
first ``exposition``: the page's text is its format of these numbers, the same series a
registry of its Counter, Gauge and Histogram objects would give (``_created`` included).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

__all__ = [
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

Labels = tuple[str, ...]


@dataclass(slots=True)
class _Family:
    """One metric: its value (a number, or a histogram's ``_Observed``) per label values,
    and when each series began (the ``_created`` sample of counters and histograms)."""

    name: str
    help: str
    kind: str  # "counter", "gauge" or "histogram"
    labels: Labels = ()
    values: dict[Labels, float] = field(default_factory=dict)
    created: dict[Labels, float] = field(default_factory=dict)

    def add(self, labels: Labels, amount: float = 1.0) -> None:
        if labels not in self.values:
            self.values[labels] = 0.0
            self.created[labels] = time.time()
        self.values[labels] += amount


_CONNECTIONS = _Family("hato_connections_open", "Open client connections", "gauge",
                       ("protocol",))  # fmt: skip
_WATCHED: dict[str, Callable[[], int]] = {}  # open connections a listener counts itself
_ACCEPTED = _Family("hato_connections", "Client connections accepted", "counter", ("protocol",))
_LOGINS = _Family("hato_logins", "Login attempts concluded", "counter", ("protocol", "result"))
_MESSAGES = _Family(
    "hato_messages",
    "Messages delivered to local mailboxes, submitted, relayed, deferred or bounced",
    "counter",
    ("event",),
)
_MAILDROPS = _Family(
    "hato_pop3_maildrops",
    "POP3 logins, by where their listing came from: kept from an earlier session or read",
    "counter",
    ("source",),
)
_LATENCY = _Family("hato_command_seconds", "Seconds from a command to its answer", "histogram",
                   ("protocol",))  # fmt: skip
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_QUEUE = _Family("hato_queue_recipients", "Recipients waiting in the outbound queue", "gauge")
_STORE = _Family("hato_store_bytes", "Bytes the store takes (database file or database)",
                 "gauge")  # fmt: skip
_FAMILIES = (_CONNECTIONS, _ACCEPTED, _LOGINS, _MESSAGES, _MAILDROPS, _LATENCY, _QUEUE, _STORE)
_QUEUE.values[()] = _STORE.values[()] = 0.0  # gauges without labels: there from the start


class _Observed:
    """One protocol's latency histogram: the count in each bucket (not cumulated), the
    count above the last, and the sum."""

    __slots__ = ("counts", "sum")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        self.sum += seconds
        for index, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.counts[index] += 1
                return
        self.counts[-1] += 1


_OBSERVED: dict[str, _Observed] = {}


#: Commands that wait for the client, not for the server: their time says nothing.
_CLIENT_PACED = frozenset({"IDLE", "AUTHENTICATE"})


def opened(protocol: str) -> None:
    _ACCEPTED.add((protocol,))
    _CONNECTIONS.add((protocol,))


def closed(protocol: str) -> None:
    _CONNECTIONS.add((protocol,), -1.0)


def watch(protocol: str, count: Callable[[], int]) -> None:
    """Open connections of a listener that counts them itself (the web console's)."""
    _WATCHED[protocol] = count
    _CONNECTIONS.values.setdefault((protocol,), 0.0)  # in its place among the others


def open_connections() -> dict[str, int]:
    """Open connections per protocol, for the server page."""
    return {labels[0]: int(value) for labels, value in _gauge_values(_CONNECTIONS)}


def _gauge_values(family: _Family) -> Iterator[tuple[Labels, float]]:
    for labels, value in family.values.items():
        count = _WATCHED.get(labels[0]) if family is _CONNECTIONS else None
        yield labels, float(count()) if count is not None else value


def login(protocol: str, ok: bool) -> None:
    _LOGINS.add((protocol, "ok" if ok else "failed"))


def maildrop(kept: bool) -> None:
    _MAILDROPS.add(("kept" if kept else "read",))


def message(event: str) -> None:
    """``delivered``, ``submitted``, ``relayed``, ``deferred`` or ``bounced``."""
    _MESSAGES.add((event,))


def _latency(protocol: str) -> _Observed:
    """The latency histogram of ``protocol``, begun by its first command."""
    observed = _OBSERVED.get(protocol)
    if observed is None:
        observed = _OBSERVED[protocol] = _Observed()
        _LATENCY.created[(protocol,)] = time.time()
    return observed


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
    _QUEUE.values[()] = float(queue_recipients)
    _STORE.values[()] = float(store_bytes)


def exposition() -> tuple[bytes, str]:
    """The Prometheus text format of every metric, and its content type."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST

    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Collector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Collector:
    """The numbers above as prometheus-client's metrics, for its exposition."""

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.metrics_core import Metric

        for family in _FAMILIES:
            metric = Metric(family.name, family.help, family.kind)
            for suffix, labels, value in _samples(family):
                metric.add_sample(family.name + suffix, labels, value)
            yield metric


def _samples(family: _Family) -> Iterator[tuple[str, dict[str, str], float]]:
    """Each series' samples, as prometheus-client's own metric objects give them."""
    if family is _LATENCY:
        yield from _histogram_samples()
        return
    for values, value in _gauge_values(family):
        labels = dict(zip(family.labels, values, strict=True))
        if family.kind == "gauge":
            yield "", labels, value
        else:
            yield "_total", labels, value
            yield "_created", labels, family.created[values]


def _histogram_samples() -> Iterator[tuple[str, dict[str, str], float]]:
    for protocol, observed in _OBSERVED.items():
        labels = {"protocol": protocol}
        cumulated = 0
        for bound, count in zip((*BUCKETS, float("inf")), observed.counts, strict=True):
            cumulated += count
            le = "+Inf" if bound == float("inf") else repr(bound)  # Go's way, as the library's
            yield "_bucket", {**labels, "le": le}, float(cumulated)
        yield "_count", labels, float(cumulated)
        yield "_sum", labels, observed.sum
        yield "_created", labels, _LATENCY.created[(protocol,)]
