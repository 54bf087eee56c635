"""The mixed-load rows: 5 and 20 IMAP clients, each logged in once, running a seeded
random mix of commands for ``SECONDS`` against one server: commands answered OK a second,
and the commands answered otherwise (which must be none).

Each client is a raw asyncio socket (no imaplib: its parsing would be most of the time
measured), logs in and selects INBOX before the clock starts, then picks one operation at
a time, by weight: SELECT INBOX; FETCH of 50 messages' FLAGS; one message's BODY.PEEK[];
STORE +FLAGS or -FLAGS (\\Flagged); SEARCH FLAGGED or UID SEARCH FROM the rare sender;
APPEND of a small message to the mailbox ``mixed``; COPY of one message to ``mixed``;
and an expunge round of the messages this client put in ``mixed`` (their UIDs from
APPENDUID and COPYUID, RFC 4315: SELECT ``mixed``, UID STORE +FLAGS.SILENT (\\Deleted),
UID EXPUNGE, SELECT INBOX again). INBOX keeps its count, so the rows after these see the
mailbox they expect; ``mixed`` takes the appends, copies and expunges of every client
at once, each touching only its own messages, so no answer but OK is right.
Every command is one round trip; a command's answer is read to its tagged line,
literals included, and its status counted.
"""

from __future__ import annotations

import asyncio
import random
import re
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.mailbox import RARE_SENDER

if TYPE_CHECKING:
    from bench.measurements import Context
    from bench.target import Target

__all__ = ["CLIENTS", "SECONDS", "commands_per_second", "errors"]

CLIENTS = (5, 20)
SECONDS = 30.0
MAILBOX = "mixed"
_SHOWN_FAILURES = 3  # a client's first answers other than OK, printed as they come
_LITERAL = re.compile(rb"\{(\d+)\}\r\n\Z")
_NEW_UID = re.compile(rb"\[(?:APPENDUID \d+|COPYUID \d+ \S+) (\d+)\]")
_MESSAGE = (
    b"From: mixed@example.org\r\nTo: bench@example.org\r\nSubject: mixed load\r\n"
    b"Message-ID: <mixed@example.org>\r\n\r\n" + b"a line of the mixed load's message\r\n" * 40
)


@dataclass
class _Client:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    rng: random.Random
    count: int  # messages in INBOX
    tags: int = 0
    ok: int = 0
    failed: int = 0
    mine: list[int] = field(default_factory=list)  # UIDs this client put in MAILBOX
    timed: bool = False  # in the load (the setup's CREATE may be refused)

    async def command(self, text: bytes, literal: bytes | None = None) -> bytes:
        """Send one command (with ``literal`` after the server's go-ahead) and read its
        answer to the tagged line; that line, its status counted."""
        self.tags += 1
        tag = b"m%d" % self.tags
        if literal is None:
            self.writer.write(tag + b" " + text + b"\r\n")
        else:
            self.writer.write(tag + b" " + text + b" {%d}\r\n" % len(literal))
            await self._continuation()
            self.writer.write(literal + b"\r\n")
        tagged = await self._tagged(tag)
        if tagged.split(b" ", 2)[1:2] == [b"OK"]:
            self.ok += 1
        else:
            self.failed += 1
            if self.timed and self.failed <= _SHOWN_FAILURES:  # for whoever reads the run
                said = f"{text[:60]!r} -> {tagged.strip()[:160]!r}"
                print(f"bench: mixed load: not OK: {said}", file=sys.stderr, flush=True)
        return tagged

    async def _continuation(self) -> None:
        while not (await self._line()).startswith(b"+"):
            pass

    async def _tagged(self, tag: bytes) -> bytes:
        while True:
            line = await self._line()
            if line.startswith(tag + b" "):
                return line

    async def _line(self) -> bytes:
        """One response line, with any literals it carries read and dropped."""
        line = await self.reader.readline()
        if not line:
            raise RuntimeError("the IMAP server closed a mixed-load connection")
        while (literal := _LITERAL.search(line)) is not None:
            await self.reader.readexactly(int(literal.group(1)))
            line = await self.reader.readline()
        return line


async def _select_inbox(client: _Client) -> None:
    await client.command(b"SELECT INBOX")


async def _fetch_flags(client: _Client) -> None:
    first = client.rng.randint(1, max(1, client.count - 49))
    await client.command(b"FETCH %d:%d (FLAGS)" % (first, min(client.count, first + 49)))


async def _fetch_body(client: _Client) -> None:
    await client.command(b"FETCH %d BODY.PEEK[]" % client.rng.randint(1, client.count))


async def _store(client: _Client) -> None:
    sign = client.rng.choice((b"+", b"-"))
    number = client.rng.randint(1, client.count)
    await client.command(b"STORE %d %sFLAGS (\\Flagged)" % (number, sign))


async def _search(client: _Client) -> None:
    if client.rng.random() < 0.5:
        await client.command(b"SEARCH FLAGGED")
    else:
        await client.command(b'UID SEARCH FROM "%s"' % RARE_SENDER.encode())


async def _append(client: _Client) -> None:
    _keep_uid(client, await client.command(b"APPEND " + MAILBOX.encode(), _MESSAGE))


async def _copy(client: _Client) -> None:
    number = client.rng.randint(1, client.count)
    _keep_uid(client, await client.command(b"COPY %d %s" % (number, MAILBOX.encode())))


def _keep_uid(client: _Client, tagged: bytes) -> None:
    if (found := _NEW_UID.search(tagged)) is not None:
        client.mine.append(int(found.group(1)))


async def _expunge(client: _Client) -> None:
    if not client.mine:
        return await _select_inbox(client)
    uids = b",".join(b"%d" % uid for uid in client.mine)
    client.mine.clear()
    await client.command(b"SELECT " + MAILBOX.encode())
    await client.command(b"UID STORE %s +FLAGS.SILENT (\\Deleted)" % uids)
    await client.command(b"UID EXPUNGE %s" % uids)
    await client.command(b"SELECT INBOX")


_OPERATIONS: tuple[tuple[Callable[[_Client], Awaitable[None]], int], ...] = (
    (_select_inbox, 1),
    (_fetch_flags, 3),
    (_fetch_body, 3),
    (_store, 2),
    (_search, 2),
    (_append, 1),
    (_copy, 1),
    (_expunge, 1),
)


async def _connect(target: Target, count: int, seed: int) -> _Client:
    reader, writer = await asyncio.open_connection(target.host, target.ports["imap"])
    client = _Client(reader, writer, random.Random(seed), count)
    await reader.readline()  # greeting
    await client.command(b'LOGIN "%s" "%s"' % (target.user.encode(), target.password.encode()))
    await client.command(b"SELECT INBOX")
    client.ok = client.failed = 0
    return client


async def _work(client: _Client, until: float) -> None:
    operations = [operation for operation, _ in _OPERATIONS]
    weights = [weight for _, weight in _OPERATIONS]
    client.timed = True
    while time.perf_counter() < until:
        await client.rng.choices(operations, weights)[0](client)


async def _run(target: Target, context: Context, clients: int) -> tuple[float, int]:
    """(commands answered OK a second, commands answered otherwise)."""
    first = await _connect(target, context.count, context.seed)
    await first.command(b"CREATE " + MAILBOX.encode())  # NO if a former run made it
    first.ok = first.failed = 0
    others = [await _connect(target, context.count, context.seed + n) for n in range(1, clients)]
    everyone = [first, *others]
    try:
        start = time.perf_counter()
        await asyncio.gather(*(_work(client, start + SECONDS) for client in everyone))
        elapsed = time.perf_counter() - start
    finally:
        for client in everyone:
            client.writer.write(b"z LOGOUT\r\n")
            client.writer.close()
        await asyncio.gather(*(c.writer.wait_closed() for c in everyone), return_exceptions=True)
    return sum(c.ok for c in everyone) / elapsed, sum(c.failed for c in everyone)


def _results(target: Target, context: Context) -> dict[str, float]:
    """Both loads, once per server; the rows read their results."""
    key = f"mixed:{target.name}"
    if key not in context.shared:
        found: dict[str, float] = {}
        for clients in CLIENTS:
            rate, failed = asyncio.run(_run(target, context, clients))
            found[f"rate{clients}"], found[f"failed{clients}"] = rate, failed
        context.shared[key] = found
    return context.shared[key]


def commands_per_second(clients: int) -> Callable[[Target, Context], float]:
    def row(target: Target, context: Context) -> float:
        return _results(target, context)[f"rate{clients}"]

    return row


def errors(target: Target, context: Context) -> float:
    """Commands of both loads answered NO or BAD: none is right."""
    found = _results(target, context)
    return sum(found[f"failed{clients}"] for clients in CLIENTS)
