"""BulkData's DATA against aiosmtpd's own, over loopback sockets.

Two aiosmtpd servers, the stock ``SMTP`` and ``BulkData`` mixed into it, get the same bytes
(whole, in seeded random pieces, an octet at a time, or cut after each CR) and must give the
same transcript and hand their handlers the same messages.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP

from hato.server.smtp_data import BulkData, _Text

LIMIT = SMTP.line_length_limit  # 1001: 1000 octets with CRLF, and a transparency period
HELLO = b"EHLO client.example\r\n"
ENVELOPE = b"MAIL FROM:<a@one.example>\r\nRCPT TO:<b@two.example>\r\nDATA\r\n"


class Bulk(BulkData, SMTP):
    pass


@dataclass
class Recorder:
    """An aiosmtpd handler keeping what DATA handed it."""

    seen: list[tuple[bytes, bytes | str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.seen.append((envelope.original_content, envelope.content))
        return "250 OK"


async def run(
    cls: type[SMTP], pieces: list[bytes], pause: float, **options: Any
) -> tuple[bytes, list[Any]]:
    """The replies of a ``cls`` server to ``pieces`` sent one by one, and its handler's record."""
    recorder = Recorder()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: cls(recorder, hostname="mx.example", **options), "127.0.0.1", 0
    )
    try:
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(pause)  # the server reads it before the next piece comes
        if not pieces[-1].endswith(b"QUIT\r\n"):
            writer.write_eof()  # the client goes away mid-session
        replies = await asyncio.wait_for(reader.read(), 30)
        writer.close()
        await writer.wait_closed()
    finally:
        server.close()
        await server.wait_closed()
    return replies, recorder.seen


def split(stream: bytes, how: str) -> tuple[list[bytes], float]:
    """``stream`` whole, in seeded random pieces, an octet at a time, or cut after each CR
    (every CRLF split across reads); with the pause that makes each piece a read."""
    if how == "whole":
        return [stream], 0
    if how == "octets":
        return [stream[i : i + 1] for i in range(len(stream))], 0.0005
    if how == "after CR":
        pieces = [piece + b"\r" for piece in stream.split(b"\r")]
        return [*pieces[:-1], pieces[-1][:-1]], 0.001
    rng = random.Random(len(stream))
    most = max(2, len(stream) // 40)
    pieces, at = [], 0
    while at < len(stream):
        step = rng.randint(1, most)
        pieces.append(stream[at : at + step])
        at += step
    return pieces, 0.001


async def same(stream: bytes, how: str = "whole", **options: Any) -> tuple[bytes, list[Any]]:
    """Run ``stream`` against both servers; assert they agree; return the stock one's part."""
    pieces, pause = split(stream, how)
    stock, bulk = await asyncio.gather(
        run(SMTP, pieces, pause, **options), run(Bulk, pieces, pause, **options)
    )
    assert bulk[0] == stock[0]
    assert bulk[1] == stock[1]
    return stock


def session(*texts: bytes) -> bytes:
    """EHLO, then a transaction for each of ``texts`` (DATA's octets, end included), QUIT."""
    return HELLO + b"".join(ENVELOPE + text for text in texts) + b"QUIT\r\n"


def line(octets: int, first: bytes = b"x") -> bytes:
    """A line of ``octets`` octets, CRLF included."""
    return first + b"y" * (octets - 3) + b"\r\n"


def filler(octets: int) -> bytes:
    """Lines of about 100 octets, ``octets`` octets in all."""
    count = max(1, octets // 100)
    return line(octets - 100 * (count - 1)) + line(100) * (count - 1)


SMALL = {
    "plain": b"Subject: hello\r\n\r\nbody\r\n.\r\n",
    "stuffed periods": b"Subject: dots\r\n\r\n..one\r\n...two\r\n..\r\n. \r\n.x\r\nend.\r\n.\r\n",
    "first line .x": b".x\r\nsecond\r\n.\r\n",
    "first line ..": b"..\r\n.\r\n",
    "empty": b".\r\n",
    "one empty line": b"\r\n.\r\n",
    "blank lines": b"\r\n\r\n\r\n\r\nx\r\n\r\n.\r\n",
    "CRLF period CR near the end": b"a\r\n.\rb\r\n.\r\n",
    "CRLF period CR CRLF near the end": b"x\r\n.\r\r\n.\r\n",
    "CRLF period x near the end": b"a\r\n.x\r\n.\r\n",
    "bare LF and CR": b"a\nb\rc\r\n.\n\r\n\n.\r\nd\r.\r\n\r.\r\n.\r\n",
    "ends with CR CR": b"a\r\r\n\r\r\n.\r\n",
    "a period ending a line": b"a.\r\nb\r\n.\r\n",
}


@pytest.mark.parametrize("how", ["whole", "pieces", "octets", "after CR"])
@pytest.mark.parametrize("name", list(SMALL))
async def test_small_messages(name: str, how: str) -> None:
    replies, seen = await same(session(SMALL[name]), how)
    assert replies.split(b"\r\n").count(b"250 OK") == 3  # MAIL, RCPT and the message
    assert len(seen) == 1


async def test_the_first_end_of_data_ends_it() -> None:
    replies, seen = await same(session(b"x\r\n.\r\nafter\r\n.\r\n"))
    assert seen == [(b"x\r\n", b"x\r\n")]
    assert b'500 Error: command "AFTER" not recognized' in replies


async def test_periods_are_unstuffed() -> None:
    _, seen = await same(session(SMALL["stuffed periods"], b".\r\n", b".x\r\n.\r\n"))
    assert [original for original, _ in seen] == [
        b"Subject: dots\r\n\r\n.one\r\n..two\r\n.\r\n \r\nx\r\nend.\r\n",
        b"",
        b"x\r\n",
    ]


@pytest.mark.parametrize("how", ["whole", "pieces", "after CR"])
@pytest.mark.parametrize("octets", [LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 2, LIMIT + 3, 5 * LIMIT])
async def test_line_length_limit(octets: int, how: str) -> None:
    for first in (b"x", b"."):
        text = b"Subject: long\r\n\r\n" + line(octets, first) + b"end\r\n.\r\n"
        # The session goes on after a refusal: a second message is taken.
        replies, seen = await same(session(text, b"short\r\n.\r\n"), how)
        refused = octets > LIMIT
        assert (b"500 Line too long" in replies) == refused
        assert len(seen) == (1 if refused else 2)


@pytest.mark.parametrize("how", ["whole", "pieces", "after CR"])
@pytest.mark.parametrize("octets", [LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 2, LIMIT + 3, 1900])
@pytest.mark.parametrize("before", [0, 1, 2, 3])
async def test_size_limit_and_line_limit_on_one_line(octets: int, before: int, how: str) -> None:
    """A line breaking both limits: aiosmtpd's order decides (552 unless the reader overruns)."""
    size = 2000
    head = filler(size - octets - 1 + before)  # the long line ends ``before - 1`` octets past it
    text = head + line(octets) + b"tail\r\n.\r\n"
    replies, _ = await same(session(text, b"ok\r\n.\r\n"), how, data_size_limit=size)
    assert replies.split(b"\r\n").count(b"250 OK") == 5
    # aiosmtpd's reader overruns on a line over LIMIT + 2 octets before counting it; a line
    # up to two octets over is counted first, and the size limit comes before its length.
    overrun, crosses = octets > LIMIT + 2, before > 1
    too_long = overrun or (octets > LIMIT and not crosses)
    assert (b"500 Line too long" in replies) == too_long


def judged(pieces: list[bytes], size: int | None) -> tuple[str | None, bytes]:
    """``_Text``'s answer and message for ``pieces`` read one after the other."""
    text = _Text(LIMIT, size)
    for piece in pieces:
        text.add(piece)
    return text.refusal, text.message()


@pytest.mark.parametrize("size", [None, 2000])
@pytest.mark.parametrize("octets", [LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 2, LIMIT + 3, 1900])
@pytest.mark.parametrize("before", [0, 1, 2, 3])
def test_the_text_judged_the_same_however_it_is_cut(before: int, octets: int, size: int) -> None:
    """The reads that reach ``_Text`` end where the reader overran, which the sessions above
    do not steer; here every cut in two, CRLFs split included, and cuts into pieces of a few
    sizes (a line across many) are judged as the whole is."""
    text = filler(2000 - octets - 1 + before) + line(octets) + b"tail\r\n"
    whole = judged([text], size)
    for cut in range(len(text) + 1):
        assert judged([text[:cut], text[cut:]], size) == whole, cut
    for step in (1, 2, 3, 5, 64, 333, 500):
        assert judged([text[i : i + step] for i in range(0, len(text), step)], size) == whole


@pytest.mark.parametrize("how", ["whole", "pieces"])
@pytest.mark.parametrize("size", [None, 0, 100, 119, 120, 121, 200])
async def test_data_size_limit(size: int | None, how: str) -> None:
    text = b"".join(line(30, b"%d" % i) for i in range(4)) + b".\r\n"  # 120 octets
    big = b"".join(line(80) for _ in range(200)) + b".\r\n"
    replies, seen = await same(session(text, big, b"small\r\n.\r\n"), how, data_size_limit=size)
    too_much = [bool(size and size < 120), bool(size), False]  # None and 0: no limit
    assert replies.count(b"552 Error: Too much mail data") == sum(too_much)
    assert len(seen) == too_much.count(False)


async def test_pipelined_commands_after_the_end_stay_for_the_command_loop() -> None:
    stream = HELLO + ENVELOPE + b"a\r\n.\r\nMAIL FROM:<c@one.example>\r\nRSET\r\n"
    stream += ENVELOPE + b".\r\nNOOP\r\nQUIT\r\nNOOP\r\n"
    replies, seen = await same(stream)
    assert replies.endswith(b"250 OK\r\n250 OK\r\n221 Bye\r\n")
    assert seen == [(b"a\r\n", b"a\r\n"), (b"", b"")]


def stuffed(text: bytes) -> bytes:
    """RFC 5321 §4.5.2's transparency, as a client applies it."""
    return b"\r\n".join(b"." + x if x.startswith(b".") else x for x in text.split(b"\r\n"))


@pytest.mark.parametrize("how", ["whole", "pieces"])
async def test_a_megabyte(how: str) -> None:
    rng = random.Random(1)
    lines = (rng.randbytes(rng.randint(0, 72)).replace(b"\r\n", b"") for _ in range(28_000))
    text = b"".join(b"." * (i % 3) + x + b"\r\n" for i, x in enumerate(lines))
    _, seen = await same(session(stuffed(text) + b".\r\n"), how, data_size_limit=None)
    assert seen[0][0] == text and len(text) > 1_000_000


@pytest.mark.parametrize("how", ["whole", "pieces", "octets"])
@pytest.mark.parametrize("smtputf8", [True, False])
async def test_eight_bit_content(smtputf8: bool, how: str) -> None:
    text = "Subject: 日本語\r\n\r\nここ\r\n".encode() + b"\xff\xfe latin-1 \xe9\r\n.\r\n"
    stream = HELLO + b"MAIL FROM:<a@one.example>" + b" SMTPUTF8" * smtputf8 + b"\r\n"
    stream += b"RCPT TO:<b@two.example>\r\nDATA\r\n" + text + ENVELOPE + b"x\r\n.\r\nQUIT\r\n"
    replies, seen = await same(stream, how, decode_data=True, enable_SMTPUTF8=smtputf8)
    if smtputf8:
        assert seen[0] == (text[:-3], text[:-3].decode("utf-8", "surrogateescape"))
    else:  # refused, but the transaction stays open: its MAIL is nested, RCPT adds to it
        assert b"500 Error: strict ASCII mode\r\n503 Error: nested MAIL command" in replies
    assert seen[-1] == (b"x\r\n", "x\r\n")


@pytest.mark.parametrize("how", ["whole", "octets"])
async def test_the_checks_before_354(how: str) -> None:
    stream = b"DATA\r\nHELO c\r\nDATA\r\nMAIL FROM:<a@one.example>\r\nDATA\r\n"
    stream += b"RCPT TO:<b@two.example>\r\nDATA now\r\nHELP DATA\r\nHELP\r\nDATA\r\nm\r\n.\r\n"
    stream += b"QUIT\r\n"
    replies, _ = await same(stream, how)
    assert b"250 Syntax: DATA\r\n" in replies


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_auth_required_refuses_data() -> None:
    replies, seen = await same(
        HELLO + b"DATA\r\nQUIT\r\n", auth_required=True, auth_require_tls=False
    )
    assert b"530 5.7.0 Authentication required" in replies and seen == []


@pytest.mark.parametrize("cut", [0, 1, 3, 5, 9])
async def test_connection_lost_during_data(cut: int) -> None:
    text = b"Subject: lost\r\n\r\nhalf"[:cut]
    replies, seen = await same(HELLO + ENVELOPE + text)
    assert replies.endswith(b"354 End data with <CR><LF>.<CR><LF>\r\n") and seen == []


class Narrow(SMTP):
    line_length_limit = 20  # the limits' edges within a few octets


class BulkNarrow(BulkData, Narrow):
    pass


TOKENS = [b".", b"..", b"\r", b"\n", b"\r\n", b"\r\n.", b"\r\n.\r", b"x", b"y" * 7, b"z" * 19]


@pytest.mark.parametrize("seed", range(40))
async def test_random_texts_with_a_narrow_line_limit(seed: int) -> None:
    rng = random.Random(seed)
    text = b"".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 40)))
    envelope = b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"  # commands within the limit too
    stream = b"EHLO c\r\n" + envelope + stuffed(text + b"\r\n") + b".\r\n"
    stream += envelope + b"ok\r\n.\r\nQUIT\r\n"
    size = rng.choice([None, 30, 60, 100])
    pieces, pause = split(stream, rng.choice(["whole", "pieces", "after CR"]))
    options = {"data_size_limit": size}
    stock, bulk = await asyncio.gather(
        run(Narrow, pieces, pause, **options), run(BulkNarrow, pieces, pause, **options)
    )
    assert bulk == stock
    assert stock[0].endswith(b"\r\n250 OK\r\n221 Bye\r\n")
