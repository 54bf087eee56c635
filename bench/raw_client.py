"""Rows timed with a raw socket client: the server's time, not the client's parsing.

imaplib and poplib parse every answer in Python, and on a large listing that parsing is
much of the time the rows above show, for both servers alike, which pulls every ratio
towards 1. These rows send the same commands over a plain socket and read the answer as
bytes until its end (the tagged line, POP3's final ".") without parsing it, counting the
lines that answer (``* n FETCH``, listing lines) to check it after the clock stops.

- IMAP SELECT INBOX (logged in beforehand);
- IMAP ``FETCH 1:* (FLAGS)`` and ``FETCH 1:* (UID FLAGS RFC822.SIZE)``;
- IMAP ``FETCH n:*`` of the newest 100 messages, what a client asks of mail new to it: the
  header fields Thunderbird asks for (``THUNDERBIRD_HEADERS``), and ENVELOPE and
  BODYSTRUCTURE as Apple Mail and most mobile clients do (``ENVELOPE_STRUCTURE``);
- IMAP ``UID SEARCH FROM`` the rare sender;
- the POP3 open: connect, greeting, USER/PASS, STAT, UIDL, LIST;
- one body a command, 1,000 times on one connection: POP3 ``RETR n`` and IMAP ``FETCH n
  BODY.PEEK[]`` of the seeded sample, each answer read to its end before the next is sent
  (each body's length checked after the clock stops);
- IMAP ``FETCH 1:* (FLAGS) (CHANGEDSINCE m)`` after another connection's 100 flag changes,
  m 100 below the HIGHESTMODSEQ the ``SELECT INBOX (CONDSTORE)`` gave (as the imaplib row,
  ``bench.imap_extensions``): 100 answers.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench.imap_extensions import CHANGES, make_changes
from bench.imap_session import expect, ms_since
from bench.mailbox import RARE_SENDER, planted

if TYPE_CHECKING:
    from bench.measurements import Context
    from bench.target import Target

__all__ = [
    "ENVELOPE_STRUCTURE", "NEWEST", "THUNDERBIRD_HEADERS", "body_peeks", "changedsince",
    "fetch_flags", "fetch_flags_sizes", "fetch_newest", "open_imap", "pop3_open", "pop3_retr",
    "search_from", "select", "tagged",
]  # fmt: skip

_HIGHESTMODSEQ = re.compile(rb"\[HIGHESTMODSEQ (\d+)\]")

_TIMEOUT = 300.0


#: Bytes one receive may take: larger than any answer's piece the servers write at once.
_RECEIVE = 1 << 20


class _Raw:
    """One connection, read into a buffer of its own; answers kept only as far as their ends.

    The client's own cost must not depend on how a server cuts its answer into writes
    (Dovecot writes a body in pieces of a few KB, hato in one): every receive goes into one
    buffer allocated once (``recv_into``), not a new megabyte object a call, and a search for
    an answer's end starts where the previous one stopped, not at the buffer's start."""

    def __init__(self, target: Target, service: str) -> None:
        self.sock = socket.create_connection((target.host, target.ports[service]), _TIMEOUT)
        self.buffer = bytearray()
        self._chunk = memoryview(bytearray(_RECEIVE))

    def line(self) -> bytes:
        return self.until(b"\r\n")[:-2]

    def until(self, end: bytes) -> bytes:
        """Everything up to and including ``end`` (the answer's last bytes)."""
        searched = 0
        while (found := self.buffer.find(end, searched)) < 0:
            searched = max(0, len(self.buffer) - len(end) + 1)
            self._more()
        return self._taken(found + len(end))

    def take(self, size: int) -> bytes:
        """The next ``size`` bytes (a literal)."""
        while len(self.buffer) < size:
            self._more()
        return self._taken(size)

    def _taken(self, size: int) -> bytes:
        taken = bytes(self.buffer[:size])
        del self.buffer[:size]
        return taken

    def _more(self) -> None:
        received = self.sock.recv_into(self._chunk)
        if not received:
            raise RuntimeError("the server closed the connection")
        self.buffer += self._chunk[:received]

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()


def open_imap(target: Target, select: bool) -> _Raw:
    client = _Raw(target, "imap")
    client.line()
    client.send(f'a LOGIN "{target.user}" "{target.password}"\r\n'.encode())
    tagged(client, b"a")
    if select:
        client.send(b"b SELECT INBOX\r\n")
        tagged(client, b"b")
    return client


def tagged(client: _Raw, tag: bytes, refused_too: bool = False) -> bytes:
    """The answer up to and including its tagged line (which must be OK, or NO if
    ``refused_too``)."""
    answer = b""
    while True:
        line = client.line()
        answer += line + b"\r\n"
        if line.startswith(tag + b" "):
            if not line.startswith(tag + b" OK") and not (
                refused_too and line.startswith(tag + b" NO")
            ):
                raise RuntimeError(f"IMAP said {line!r}")
            return answer


def select(target: Target, context: Context) -> float:
    client = open_imap(target, select=False)
    try:
        start = time.perf_counter()
        client.send(b"s SELECT INBOX\r\n")
        answer = tagged(client, b"s")
        elapsed = ms_since(start)
        expect(target, "raw SELECT's EXISTS", int(b"* %d EXISTS" % context.count in answer), 1)
        return elapsed
    finally:
        client.close()


def _fetch(target: Target, first: int, items: bytes, wanted: int) -> float:
    """``FETCH first:* items``: the answer read to its tagged line, its ``wanted`` FETCH
    lines counted."""
    client = open_imap(target, select=True)
    try:
        start = time.perf_counter()
        client.send(b"f FETCH %d:* %s\r\n" % (first, items))
        answer = client.until(b"\r\nf ")
        client.line()  # the rest of the tagged line
        elapsed = ms_since(start)
        expect(target, "raw FETCH answers", answer.count(b" FETCH ("), wanted)
        return elapsed
    finally:
        client.close()


def fetch_flags(target: Target, context: Context) -> float:
    return _fetch(target, 1, b"(FLAGS)", context.count)


def fetch_flags_sizes(target: Target, context: Context) -> float:
    return _fetch(target, 1, b"(UID FLAGS RFC822.SIZE)", context.count)


#: What Thunderbird asks of the messages it has not seen yet (its default header list).
THUNDERBIRD_HEADERS = (
    b"(UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID "
    b"Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])"
)
#: What Apple Mail and most mobile clients ask instead: the server's parse of each message.
ENVELOPE_STRUCTURE = b"(UID RFC822.SIZE FLAGS ENVELOPE BODYSTRUCTURE)"
NEWEST = 100


def fetch_newest(items: bytes) -> Callable[[Target, Context], float]:
    """``FETCH n:* items`` of the newest ``NEWEST`` messages, what a client asks of mail
    new to it."""

    def run(target: Target, context: Context) -> float:
        wanted = min(NEWEST, context.count)
        return _fetch(target, context.count - wanted + 1, items, wanted)

    return run


def changedsince(target: Target, context: Context) -> float:
    """``FETCH 1:* (FLAGS) (CHANGEDSINCE m)`` (RFC 7162 §3.1.4) after 100 changes made by
    another connection, m 100 below the mailbox's HIGHESTMODSEQ: 100 answers."""
    make_changes(target, context)
    client = open_imap(target, select=False)
    try:
        client.send(b"s SELECT INBOX (CONDSTORE)\r\n")
        found = _HIGHESTMODSEQ.search(tagged(client, b"s"))
        if found is None:
            raise RuntimeError("no HIGHESTMODSEQ in the SELECT (CONDSTORE) answer")
        since = int(found.group(1)) - CHANGES
        start = time.perf_counter()
        client.send(b"c FETCH 1:* (FLAGS) (CHANGEDSINCE %d)\r\n" % since)
        answer = client.until(b"\r\nc ")
        status = client.line()  # the rest of the tagged line
        elapsed = ms_since(start)
        if not status.startswith(b"OK"):
            raise RuntimeError(f"IMAP said c {status!r}")
        expect(target, f"raw FETCH (CHANGEDSINCE {since})", answer.count(b" FETCH ("), CHANGES)
        return elapsed
    finally:
        client.close()


def search_from(target: Target, context: Context) -> float:
    client = open_imap(target, select=True)
    try:
        start = time.perf_counter()
        client.send(b'u UID SEARCH FROM "%s"\r\n' % RARE_SENDER.encode())
        answer = tagged(client, b"u")
        elapsed = ms_since(start)
        found = next(line for line in answer.split(b"\r\n") if line.startswith(b"* SEARCH"))
        wanted = planted(context.count, RARE_SENDER)
        expect(target, "raw UID SEARCH FROM", len(found.split()) - 2, wanted)
        return elapsed
    finally:
        client.close()


def pop3_open(target: Target, context: Context) -> float:
    start = time.perf_counter()
    client = _Raw(target, "pop3")
    try:
        client.line()
        client.send(f"USER {target.user}\r\nPASS {target.password}\r\nSTAT\r\n".encode())
        client.line()
        if not client.line().startswith(b"+OK"):
            raise RuntimeError("POP3 login refused")
        client.line()  # STAT
        client.send(b"UIDL\r\nLIST\r\n")
        listings = client.until(b"\r\n.\r\n") + client.until(b"\r\n.\r\n")
        elapsed = ms_since(start)
        client.send(b"QUIT\r\n")
        expect(target, "raw UIDL and LIST lines", listings.count(b"\r\n") - 4, 2 * context.count)
        return elapsed
    finally:
        client.close()


def pop3_retr(target: Target, context: Context) -> float:
    """``RETR n`` of each message of the sample, one after another on one connection."""
    client = _login_pop3(target)
    try:
        answers = []
        start = time.perf_counter()
        for number in context.sample():
            client.send(b"RETR %d\r\n" % number)
            answers.append(client.until(b"\r\n.\r\n"))
        elapsed = ms_since(start)
        client.send(b"QUIT\r\n")
        whole = sum(answer.startswith(b"+OK") and len(answer) > 2000 for answer in answers)
        expect(target, "raw RETR of 2 KB or more", whole, len(answers))
        return elapsed
    finally:
        client.close()


def body_peeks(target: Target, context: Context) -> float:
    """``FETCH n BODY.PEEK[]`` of each message of the sample, one after another."""
    client = open_imap(target, select=True)
    try:
        answers = []
        start = time.perf_counter()
        for number in context.sample():
            client.send(b"p FETCH %d BODY.PEEK[]\r\n" % number)
            answers.append(_literal_answer(client, b"p"))
        elapsed = ms_since(start)
        whole = sum(len(body) > 2000 for body in answers)
        expect(target, "raw BODY.PEEK[] of 2 KB or more", whole, len(answers))
        return elapsed
    finally:
        client.close()


def _literal_answer(client: _Raw, tag: bytes) -> bytes:
    """The literal of a one-item FETCH answer (``* n FETCH (BODY[] {size}``, its bytes,
    ``)``), taken by its size, then the tagged line; the literal's bytes."""
    head = client.line()
    if not head.endswith(b"}") or b" FETCH (" not in head:
        raise RuntimeError(f"IMAP said {head!r}")
    body = client.take(int(head.rpartition(b"{")[2][:-1]))
    if client.line() != b")":
        raise RuntimeError("the FETCH answer did not end after its literal")
    tagged(client, tag)
    return body


def _login_pop3(target: Target) -> _Raw:
    client = _Raw(target, "pop3")
    client.line()
    client.send(f"USER {target.user}\r\nPASS {target.password}\r\n".encode())
    client.line()
    if not client.line().startswith(b"+OK"):
        raise RuntimeError("POP3 login refused")
    return client
