"""A real authoritative DNS server on loopback, serving the records a test gives it.

dnslib's server (UDP and TCP on one free port, threads) answers from a list of
resource records: the records of the asked name and type with the AA bit, no
data or NXDOMAIN with the zone's SOA otherwise (so negative answers carry a TTL,
RFC 2308). UDP answers over 512 octets are truncated, so large answers take TCP
as they would on the Internet. ``silent`` makes it drop every question (a
resolver that never answers); ``questions`` records what was asked.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from types import TracebackType

from dnslib import QTYPE, RCODE, RR, TXT, DNSLabel, DNSRecord
from dnslib.server import DNSHandler, DNSServer

__all__ = ["ZoneServer", "txt"]

_UDP_SIZE = 512  # RFC 1035 §4.2.1, without EDNS
_SOA = "test. 60 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60"


def txt(name: str, text: str | bytes, ttl: int = 300) -> RR:
    """A TXT record whose text is split into 255-octet strings (RFC 1035 §3.3.14)."""
    data = text.encode() if isinstance(text, str) else text
    chunks = [data[i : i + 255] for i in range(0, len(data), 255)] or [b""]
    return RR(name, QTYPE.TXT, rdata=TXT(chunks), ttl=ttl)


class _Quiet:
    """dnslib's logger interface, saying nothing."""

    def __getattr__(self, name: str) -> object:
        return lambda *args: None


class _Handler(DNSHandler):
    def handle(self) -> None:
        if not self.server.zone.silent:  # type: ignore[attr-defined]
            super().handle()


class ZoneServer:
    """Start with ``with ZoneServer(records) as server:``; ``server.address`` is HOST:PORT."""

    def __init__(self, records: Iterable[RR | str] = ()) -> None:
        self.records: list[RR] = [*RR.fromZone(_SOA)]
        self.add(*records)
        self.silent = False
        self.questions: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._servers: list[DNSServer] = []
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def add(self, *records: RR | str) -> None:
        """Records as dnslib RRs or zone-file lines (``name TTL IN TYPE data``)."""
        for record in records:
            self.records.extend(RR.fromZone(record) if isinstance(record, str) else [record])

    def remove(self, name: str, rtype: str) -> None:
        label, kind = DNSLabel(name), getattr(QTYPE, rtype)
        self.records = [r for r in self.records if not (r.rname == label and r.rtype == kind)]

    def asked(self, name: str, rtype: str) -> int:
        """How many times the question was asked."""
        wanted = (name.rstrip(".").lower(), rtype)
        return sum(1 for q in self.questions if q == wanted)

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        qname, qtype = request.q.qname, request.q.qtype
        with self._lock:
            self.questions.append((str(qname).rstrip(".").lower(), QTYPE[qtype]))
        reply = request.reply()
        named = [r for r in self.records if r.rname == qname]
        for record in named:
            if record.rtype == qtype:
                reply.add_answer(record)
        if not reply.rr:
            reply.add_auth(self.records[0])  # the SOA: negative answers are cached by it
            if not named:
                reply.header.rcode = RCODE.NXDOMAIN
        if handler.protocol == "udp" and len(reply.pack()) > _UDP_SIZE:
            reply = request.reply()  # the question, no records, TC: ask again over TCP
            reply.header.tc = 1
        return reply

    def __enter__(self) -> ZoneServer:
        for _ in range(20):  # the free UDP port may be taken for TCP: try another
            udp = DNSServer(self, "127.0.0.1", 0, logger=_Quiet(), handler=_Handler)
            self.port = udp.server.server_address[1]
            try:
                tcp = DNSServer(self, "127.0.0.1", self.port, True, _Quiet(), _Handler)
            except OSError:
                udp.server.server_close()
                continue
            self._servers = [udp, tcp]
            for server in self._servers:
                server.server.zone = self  # type: ignore[attr-defined]
                server.start_thread()
            return self
        raise OSError("no free port for UDP and TCP at once")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for server in self._servers:
            server.stop()
            server.server.server_close()
            server.thread.join(5)


def unused_address() -> str:
    """A loopback UDP port where nothing listens: a DNS server that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"
