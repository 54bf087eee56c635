"""The COMPRESS=DEFLATE rows (RFC 4978): a full FETCH of the mailbox's bodies, plain and
compressed, in time and in bytes on the wire.

Each row logs in on a fresh connection (``bench.imap_deflate``, imaplib reading the
socket itself so that it can count what arrives), selects INBOX, turns compression on
for the compressed rows, and sends ``FETCH 1:* (BODY.PEEK[])``.  The answer is read and
thrown away as it comes, a line or a literal at a time, so the client holds one message,
not the mailbox; every message must be answered.  The bytes are those the socket
delivered to the client during the FETCH (its answer only), in MB of 10^6 octets.  A
server without COMPRESS=DEFLATE shows ``n/a`` in the compressed rows.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench.imap_deflate import DeflateIMAP4
from bench.imap_session import TIMEOUT, Refused, check, expect, ms_since

if TYPE_CHECKING:
    from bench.measurements import Context
    from bench.target import Target

__all__ = ["full_fetch_bytes", "full_fetch_ms"]

_LITERAL = re.compile(rb"\{(\d+)\}\r\n\Z")
_FETCH = re.compile(rb"\* \d+ FETCH ")


def _fetched(target: Target, context: Context, compress: bool) -> tuple[float, int]:
    """(ms, octets received) of one ``FETCH 1:* (BODY.PEEK[])``."""
    client = DeflateIMAP4(target.host, target.ports["imap"], timeout=TIMEOUT)
    try:
        client.login(target.user, target.password)
        if compress:
            status, data = client.compress()
            if status != "OK":
                raise Refused(status, str(data))
        status, data = client.select("INBOX", readonly=True)
        check(status, data)
        before = client.wire_in
        start = time.perf_counter()
        answered = _drain(client, b"f1 FETCH 1:* (BODY.PEEK[])\r\n")
        elapsed = ms_since(start)
        expect(target, "FETCH 1:* (BODY.PEEK[])", answered, context.count)
        return elapsed, client.wire_in - before
    finally:
        client.logout()


def _drain(client: DeflateIMAP4, command: bytes) -> int:
    """Send ``command`` (tag ``f1``) and read its answer to the tagged line, keeping none
    of it; the number of FETCH responses."""
    client.send(command)
    answered = 0
    while True:
        line = client.readline()
        if line.startswith(b"f1 "):
            check(line.split()[1].decode(), line)
            return answered
        answered += bool(_FETCH.match(line))
        while (literal := _LITERAL.search(line)) is not None:
            client.read(int(literal.group(1)))
            line = client.readline()


def full_fetch_ms(compress: bool) -> Callable[[Target, Context], float]:
    def row(target: Target, context: Context) -> float:
        return _fetched(target, context, compress)[0]

    return row


def full_fetch_bytes(compress: bool) -> Callable[[Target, Context], float]:
    def row(target: Target, context: Context) -> float:
        return _fetched(target, context, compress)[1] / 1e6

    return row
