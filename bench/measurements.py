"""The rows of the table: one small function each, over the standard library's clients.

A row says which service it needs, its unit, and whether it is timed (warm-up + median of
``--repeat``) or taken once. A row whose service a server lacks shows ``n/a``; one whose
command the server refuses (``bench.imap_session.Refused``: BAD or NO to an extension)
shows ``n/a (BAD …)``. To add a row, write a function ``(Target, Context) -> float`` and
append a ``Measurement`` to ``MEASUREMENTS``. The extension rows (SORT, THREAD,
CONDSTORE, QRESYNC) are in ``bench.imap_extensions``.
"""

from __future__ import annotations

import asyncio
import imaplib
import os
import poplib
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bench import imap_compress as compress
from bench import imap_extensions as ext
from bench import login_storm as storm
from bench import mail_checks, notify_latency, quota_cost, sieve, web_api
from bench import mixed_load as mixed
from bench import raw_client as raw
from bench.imap_session import Refused, check, expect, login, ms_since, selected
from bench.load import deliver_one
from bench.mailbox import COMMON_WORD, RARE_SENDER, RARE_WORD, SHORT_JA_WORD, planted
from bench.target import Target, cpu_seconds, cpu_since, pss_mb, rss_mb

__all__ = ["MEASUREMENTS", "Context", "Measurement"]

SAMPLE = 1000
SESSIONS = 10
_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class Context:
    """What every row may rely on: the mailbox holds ``count`` messages, same on both servers."""

    count: int
    seed: int = 1
    # results of a run that several rows report (the IDLE clients), by server name
    shared: dict[str, dict[str, float]] = field(default_factory=dict)
    # such a run that failed, by the same name: its other rows fail at once, not again
    failed: dict[str, BaseException] = field(default_factory=dict)
    # how many messages carry each SEARCH BODY row's word (bench.mailbox.carrying)
    carrying: dict[str, int] = field(default_factory=dict)

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
    elapsed = ms_since(start)
    client.quit()
    return elapsed


def pop3_retr(target: Target, context: Context) -> float:
    """1,000 RETR of seeded random messages on one logged-in connection."""
    with _pop3(target, context) as client:
        start = time.perf_counter()
        sizes = [len(b"".join(client.retr(number)[1])) for number in context.sample()]
        elapsed = ms_since(start)
        expect(target, "RETR of 2 KB or more", sum(size > 2000 for size in sizes), len(sizes))
        return elapsed


def pop3_login(target: Target, context: Context) -> float:
    """Connect, USER/PASS: the password check alone (argon2id on both servers)."""
    start = time.perf_counter()
    client = _pop3_login(target)
    elapsed = ms_since(start)
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


def imap_select(target: Target, context: Context) -> float:
    """Connect, LOGIN, SELECT INBOX."""
    start = time.perf_counter()
    client = login(target)
    check(*client.select("INBOX"))
    elapsed = ms_since(start)
    client.logout()
    return elapsed


def imap_fetch_flags(target: Target, context: Context) -> float:
    """``FETCH 1:* (FLAGS)`` on the selected mailbox."""
    with selected(target, context) as client:
        start = time.perf_counter()
        status, data = client.fetch("1:*", "(FLAGS)")
        elapsed = ms_since(start)
        check(status, data)
        expect(target, "FETCH 1:* (FLAGS)", len(data), context.count)
        return elapsed


def _uids(client: imaplib.IMAP4, numbers: list[int]) -> list[bytes]:
    status, data = client.uid("SEARCH", "ALL")
    check(status, data)
    every = data[0].split()
    return [every[number - 1] for number in numbers]


def imap_uid_fetch_bodies(target: Target, context: Context) -> float:
    """One ``UID FETCH`` of 1,000 seeded random messages' ``BODY[]``."""
    with selected(target, context) as client:
        sample = context.sample()
        uid_set = b",".join(_uids(client, sample)).decode()
        start = time.perf_counter()
        status, data = client.uid("FETCH", uid_set, "(BODY[])")
        elapsed = ms_since(start)
        check(status, data)
        bodies = [item[1] for item in data if isinstance(item, tuple)]
        expect(target, "UID FETCH BODY[]", len(bodies), len(sample))
        expect(
            target,
            "UID FETCH BODY[] of 2 KB or more",
            sum(len(b) > 2000 for b in bodies),
            len(sample),
        )
        return elapsed


def imap_select_only(target: Target, context: Context) -> float:
    """SELECT INBOX alone, on a connection logged in before the clock starts."""
    client = login(target)
    try:
        start = time.perf_counter()
        status, data = client.select("INBOX")
        elapsed = ms_since(start)
        check(status, data)
        expect(target, "SELECT INBOX's EXISTS", int(data[0]), context.count)
        return elapsed
    finally:
        client.logout()


def imap_fetch_uid_flags_size(target: Target, context: Context) -> float:
    """``FETCH 1:* (UID FLAGS RFC822.SIZE)``: what a client syncs its message list with."""
    with selected(target, context) as client:
        start = time.perf_counter()
        status, data = client.fetch("1:*", "(UID FLAGS RFC822.SIZE)")
        elapsed = ms_since(start)
        check(status, data)
        expect(target, "FETCH 1:* (UID FLAGS RFC822.SIZE)", len(data), context.count)
        expect(target, "RFC822.SIZE answers", sum(b"RFC822.SIZE" in d for d in data), len(data))
        return elapsed


def _uid_search(
    target: Target, context: Context, key: str, value: str, wanted: int | None = None
) -> float:
    """``UID SEARCH CHARSET UTF-8 key "value"``, timed. The string is quoted, in UTF-8
    (both servers take 8-bit text there): a literal would time the wait for ``+``."""
    with selected(target, context) as client:
        quoted = b'"' + value.encode() + b'"'
        start = time.perf_counter()
        status, data = client.uid("SEARCH", "CHARSET", "UTF-8", key, quoted)
        elapsed = ms_since(start)
        check(status, data)
        count = planted(context.count, value) if wanted is None else wanted
        found = len(data[0].split())
        if found != count:  # shown in its cell: an index that cannot find the word
            raise Refused("wrong answer:", f"{found:,} found, not {count:,}")
        return elapsed


def imap_search_from(target: Target, context: Context) -> float:
    """``UID SEARCH FROM`` an address that a known handful of messages (1 in 1,000) carry."""
    return _uid_search(target, context, "FROM", RARE_SENDER)


def imap_search_body(target: Target, context: Context) -> float:
    """``UID SEARCH BODY`` a word that a known handful of messages (1 in 1,000) carry."""
    return _uid_search(target, context, "BODY", RARE_WORD)


def imap_search_body_common(target: Target, context: Context) -> float:
    """``UID SEARCH BODY`` an English word of about half the messages."""
    return _uid_search(target, context, "BODY", COMMON_WORD, context.carrying[COMMON_WORD])


def imap_search_body_short(target: Target, context: Context) -> float:
    """``UID SEARCH BODY`` a Japanese word of two characters, shorter than a trigram."""
    wanted = context.carrying[SHORT_JA_WORD]
    return _uid_search(target, context, "BODY", SHORT_JA_WORD, wanted)


def imap_body_peeks(target: Target, context: Context) -> float:
    """1,000 ``FETCH n BODY.PEEK[]``, one command each, of seeded random messages."""
    with selected(target, context) as client:
        sizes = []
        start = time.perf_counter()
        for number in context.sample():
            status, data = client.fetch(str(number), "(BODY.PEEK[])")
            check(status, data)
            sizes.append(len(data[0][1]) if isinstance(data[0], tuple) else 0)
        elapsed = ms_since(start)
        expect(
            target,
            "BODY.PEEK[] of 2 KB or more",
            sum(s > 2000 for s in sizes),
            min(SAMPLE, context.count),
        )
        return elapsed


# IDLE (RFC 2177): 1,000 clients on asyncio raw sockets, one LMTP delivery wakes them all;
# then 10,000 on hato alone (Dovecot would need an imap process for each)

#: HATO_BENCH_IDLERS makes it fewer (or more) while developing on a shared machine
IDLERS = int(os.environ.get("HATO_BENCH_IDLERS", "1000"))
#: the hato-only row set; HATO_BENCH_MANY_IDLERS likewise
MANY_IDLERS = int(os.environ.get("HATO_BENCH_MANY_IDLERS", "10000"))
_LOGINS_AT_ONCE = 8  # each login is an argon2id check: a few at a time, as clients arrive
# Dovecot told its 1,000th idler 55.6 s after the delivery at 86,719 messages (the 12-05
# table) and past 60 s in a later run, which then failed every IDLE row: room to measure it
_IDLE_TIMEOUT = 180.0
_TAGS = (b"a", b"b", b"c")


async def _until(reader: asyncio.StreamReader, tag: bytes) -> None:
    """Read lines up to ``tag OK`` (or, for ``+``, the continuation); a NO or BAD raises."""
    while True:
        line = await reader.readline()
        if not line:
            raise RuntimeError("IMAP server closed the connection")
        if tag == b"+" and line.startswith(b"+"):
            return
        word, _, rest = line.partition(b" ")
        if word in _TAGS:
            if word == tag and rest.startswith(b"OK"):
                return
            raise RuntimeError(f"IMAP said {line!r}")


async def _open_idler(
    target: Target, gate: asyncio.Semaphore
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect, LOGIN, SELECT INBOX, IDLE; return once the server says ``+ idling``."""
    async with gate:
        reader, writer = await asyncio.open_connection(target.host, target.ports["imap"])
        try:
            await reader.readline()  # greeting
            writer.write(f'a LOGIN "{target.user}" "{target.password}"\r\n'.encode())
            await _until(reader, b"a")
            writer.write(b"b SELECT INBOX\r\n")
            await _until(reader, b"b")
            writer.write(b"c IDLE\r\n")
            await _until(reader, b"+")
        except BaseException:
            writer.close()
            raise
        return reader, writer


class _ExistsWatch(asyncio.Protocol):
    """Takes an idling client's socket over from its stream reader and notes when the
    bench process first holds ``* count EXISTS``: the moment the server's bytes arrived,
    without the stream reader's per-client parsing and task switches (at 10,000 clients
    those alone took 0.2 s and pushed every client's time towards the last one's)."""

    def __init__(self, count: int) -> None:
        self.seen = asyncio.get_running_loop().create_future()
        self._wanted = f"* {count} EXISTS\r\n".encode()
        self._received = b""

    def data_received(self, data: bytes) -> None:
        self._received = self._received[-len(self._wanted) :] + data
        if self._wanted in self._received and not self.seen.done():
            self.seen.set_result(time.perf_counter())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.seen.done():
            self.seen.set_exception(RuntimeError("IMAP server closed an idling connection"))


async def _idle_run(target: Target, idlers: int) -> dict[str, float]:
    gate = asyncio.Semaphore(_LOGINS_AT_ONCE)
    opened = await asyncio.gather(
        *(_open_idler(target, gate) for _ in range(idlers)), return_exceptions=True
    )
    clients = [c for c in opened if not isinstance(c, BaseException)]
    try:
        if len(clients) != idlers:
            error = next(c for c in opened if isinstance(c, BaseException))
            raise RuntimeError(f"{target.name}: {len(clients)} of {idlers} IDLE clients: {error!r}")
        await asyncio.sleep(1.0)  # let the server settle with everyone idling
        pids = target.pids()
        result = {"pss": pss_mb(pids), "rss": rss_mb(pids)}
        count = await asyncio.to_thread(_inbox_count, target)
        watches = [_ExistsWatch(count + 1) for _ in clients]
        for (_, writer), watch in zip(clients, watches, strict=True):
            writer.transport.set_protocol(watch)
        waits = [watch.seen for watch in watches]
        cpu = cpu_seconds(pids)
        start = time.perf_counter()
        accepted = await asyncio.to_thread(deliver_one, target)
        async with asyncio.timeout(_IDLE_TIMEOUT):
            woken = sorted(await asyncio.gather(*waits))
        result["wake"] = (woken[-1] - start) * 1000
        result["wake_p50"] = (woken[len(woken) // 2] - start) * 1000
        result["wake_p99"] = (woken[min(len(woken) - 1, len(woken) * 99 // 100)] - start) * 1000
        result["accepted"] = (accepted - start) * 1000
        await asyncio.sleep(0.5)  # what the server still does after the last EXISTS counts too
        result["cpu"] = cpu_since(cpu, target.pids()) * 1000
        return result
    finally:
        for _, writer in clients:  # the transports, whose protocol may be a watch now
            writer.transport.write(b"DONE\r\nz LOGOUT\r\n")
            writer.transport.close()
        await asyncio.sleep(1.0)  # the closes go out before the loop ends


def _inbox_count(target: Target) -> int:
    """INBOX's message count now (each IDLE run's delivery adds one)."""
    client = login(target)
    try:
        status, data = client.select("INBOX", readonly=True)
        check(status, data)
        return int(data[0] or 0)
    finally:
        client.logout()


def idle_row(idlers: int, key: str) -> Callable[[Target, Context], float]:
    """A row that reads ``key`` of the run of ``idlers`` IDLE clients, run once per server
    and size (its rows share it): memory (``pss``, ``rss``, with everyone idling), the
    time from the start of one LMTP delivery to the last client's EXISTS (``wake``; the
    median and 99th-percentile client's: ``wake_p50``, ``wake_p99``), to the delivery's
    ``250`` (``accepted``: the fan-out must not hold it up), and the server's CPU time
    for the delivery and its fan-out, until half a second after the last EXISTS
    (``cpu``). RSS is summed over the server's processes (shared pages counted in every
    process: Dovecot's imap processes share most of theirs)."""

    def row(target: Target, context: Context) -> float:
        name = f"{target.name}/{idlers}"
        if name in context.failed:
            raise RuntimeError(f"the run of {idlers} IDLE clients failed: {context.failed[name]!r}")
        if name not in context.shared:
            try:
                context.shared[name] = asyncio.run(_idle_run(target, idlers))
            except Exception as error:
                context.failed[name] = error
                raise
        return context.shared[name][key]

    return row


def _idle_rows(idlers: int, service: str) -> tuple[Measurement, ...]:
    clients = f"{idlers:,} clients"
    return tuple(
        Measurement(label, unit, service, idle_row(idlers, key), False)
        for label, unit, key in (
            (f"memory (PSS), {idlers:,} IMAP clients in IDLE", "MB", "pss"),
            (f"memory (RSS), {idlers:,} IMAP clients in IDLE", "MB", "rss"),
            (f"IDLE: LMTP delivery to {idlers:,}th client's EXISTS", "ms", "wake"),
            (f"IDLE: LMTP delivery to the median client's EXISTS, {clients}", "ms", "wake_p50"),
            (f"IDLE: LMTP delivery to the p99 client's EXISTS, {clients}", "ms", "wake_p99"),
            (f"IDLE: that LMTP delivery's 250, {clients}", "ms", "accepted"),
            (f"IDLE: server CPU for that delivery, {clients}", "ms", "cpu"),
        )
    )


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
    Measurement("IMAP SELECT INBOX (logged in)", "ms", "imap", imap_select_only),
    Measurement("IMAP FETCH 1:* (UID FLAGS RFC822.SIZE)", "ms", "imap", imap_fetch_uid_flags_size),
    Measurement("IMAP UID SEARCH FROM (1 in 1,000 match)", "ms", "imap", imap_search_from),
    Measurement("IMAP UID SEARCH BODY rare word (1 in 1,000)", "ms", "imap", imap_search_body),
    Measurement(
        f"IMAP UID SEARCH BODY common word ({COMMON_WORD})", "ms", "imap", imap_search_body_common
    ),
    Measurement(
        f"IMAP UID SEARCH BODY 2-character Japanese word ({SHORT_JA_WORD})",
        "ms",
        "imap",
        imap_search_body_short,
    ),
    Measurement(f"IMAP {SAMPLE:,} FETCH BODY.PEEK[], one each", "ms", "imap", imap_body_peeks),
    # the same with a raw socket client: the server's time without the client's parsing
    Measurement("raw client: POP3 login + STAT + UIDL + LIST", "ms", "pop3", raw.pop3_open),
    Measurement("raw client: IMAP SELECT INBOX (logged in)", "ms", "imap", raw.select),
    Measurement("raw client: IMAP FETCH 1:* (FLAGS)", "ms", "imap", raw.fetch_flags),
    Measurement(
        "raw client: IMAP FETCH 1:* (UID FLAGS RFC822.SIZE)", "ms", "imap", raw.fetch_flags_sizes
    ),
    Measurement(
        f"raw client: IMAP FETCH of the newest {raw.NEWEST}: header fields (as Thunderbird)",
        "ms",
        "imap",
        raw.fetch_newest(raw.THUNDERBIRD_HEADERS),
    ),
    Measurement(
        f"raw client: IMAP FETCH of the newest {raw.NEWEST}: ENVELOPE BODYSTRUCTURE",
        "ms",
        "imap",
        raw.fetch_newest(raw.ENVELOPE_STRUCTURE),
    ),
    Measurement("raw client: IMAP UID SEARCH FROM (1 in 1,000)", "ms", "imap", raw.search_from),
    Measurement(f"raw client: POP3 {SAMPLE:,} RETR, one connection", "ms", "pop3", raw.pop3_retr),
    Measurement(
        f"raw client: IMAP {SAMPLE:,} FETCH BODY.PEEK[], one each", "ms", "imap", raw.body_peeks
    ),
    # extensions; the QRESYNC row expunges and appends as many: the count stays the same
    Measurement("IMAP SORT (DATE) ALL", "ms", "imap", ext.sort("DATE")),
    Measurement("IMAP SORT (SUBJECT) ALL", "ms", "imap", ext.sort("SUBJECT")),
    Measurement("IMAP THREAD REFERENCES ALL", "ms", "imap", ext.thread),
    Measurement(
        f"IMAP FETCH 1:* (FLAGS) (CHANGEDSINCE highestmodseq-{ext.CHANGES})",
        "ms",
        "imap",
        ext.changedsince,
    ),
    Measurement(
        f"raw client: IMAP FETCH 1:* (FLAGS) (CHANGEDSINCE highestmodseq-{ext.CHANGES})",
        "ms",
        "imap",
        raw.changedsince,
    ),
    Measurement(
        f"IMAP QRESYNC re-SELECT after {ext.CHANGES} changes, {ext.EXPUNGES} expunges",
        "ms",
        "imap",
        ext.qresync_reselect,
    ),
    # COMPRESS=DEFLATE (RFC 4978): the whole mailbox's bodies, plain and compressed
    Measurement("IMAP FETCH 1:* (BODY.PEEK[])", "ms", "imap", compress.full_fetch_ms(False)),
    Measurement(
        "IMAP FETCH 1:* (BODY.PEEK[]) over COMPRESS=DEFLATE",
        "ms",
        "imap",
        compress.full_fetch_ms(True),
    ),
    Measurement(
        "IMAP FETCH 1:* (BODY.PEEK[]), bytes on the wire",
        "MB",
        "imap",
        compress.full_fetch_bytes(False),
        False,
    ),
    Measurement(
        "IMAP FETCH 1:* (BODY.PEEK[]) over COMPRESS=DEFLATE, bytes on the wire",
        "MB",
        "imap",
        compress.full_fetch_bytes(True),
        False,
    ),
    # the web console (hato only)
    Measurement("web: message list, first page (50)", "ms", "http", web_api.first_page),
    Measurement(
        f"web: message list, {web_api.NTH_PAGE:,}th page", "ms", "http", web_api.thousandth_page
    ),
    Measurement(
        f"web API: {web_api.CLIENTS} clients reading messages",
        "req/s",
        "http",
        web_api.api_rate,
        False,
    ),
    Measurement(
        f"web API: {web_api.CLIENTS} clients reading messages, p99",
        "ms",
        "http",
        web_api.api_p99,
        False,
    ),
    # many clients at once, a random mix of commands (INBOX keeps its count)
    *(
        Measurement(
            f"IMAP mixed load, {clients} clients, {mixed.SECONDS:.0f} s",
            "cmd/s",
            "imap",
            mixed.commands_per_second(clients),
            False,
        )
        for clients in mixed.CLIENTS
    ),
    Measurement("IMAP mixed load: commands not answered OK", "cmd", "imap", mixed.errors, False),
    # before the IDLE rows, whose 10,000 connections would leave the server's memory high
    Measurement(
        f"IMAP login storm: {storm.LOGINS:,} LOGINs, {storm.CLIENTS} clients at once",
        "logins/s",
        "imap",
        storm.logins_per_second,
        False,
    ),
    Measurement("IMAP login storm: peak RSS of the server", "MB", "imap", storm.peak_rss, False),
    # the IDLE rows last: their delivery adds a message to the mailbox
    *_idle_rows(IDLERS, "imap"),
    # hato only ("smtp" is its listener): 10,000 Dovecot imap processes would not fit
    *_idle_rows(MANY_IDLERS, "smtp"),
    # after the IDLE rows, whose EXISTS counts the INBOX this delivers to
    Measurement(
        "NOTIFY: LMTP delivery to INBOX to the STATUS line (other mailbox selected)",
        "ms",
        "imap",
        notify_latency.delivery_to_status,
    ),
    # last of all, as it delivers more mail; the script is set through the web console
    Measurement(
        "LMTP delivery, 4 connections, 20-rule Sieve script active",
        "msg/s",
        "http",
        sieve.filtered_delivery,
        False,
    ),
    # QUOTA's cost at delivery (to accounts of their own; hato only: "smtp" is its listener)
    Measurement(
        "LMTP delivery, 4 connections, account without a quota",
        "msg/s",
        "smtp",
        quota_cost.without_quota,
    ),
    Measurement(
        "LMTP delivery, 4 connections, account with a quota (RFC 9208)",
        "msg/s",
        "smtp",
        quota_cost.with_quota,
    ),
    # the MX listener's checks, off and on (to an account of their own)
    *(Measurement(label, "msg/s", "smtp", rate) for label, rate in mail_checks.ROWS),
)
