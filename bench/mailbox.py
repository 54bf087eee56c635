"""One reproducible mailbox: seeded, about 7.5 KB a message, realistic headers.

The mix: plain English text, Japanese text in ISO-2022-JP (with RFC 2047 encoded
Subject and sender names), multipart/alternative, and multipart/mixed with a base64
attachment. About a third of the messages reply to an earlier one (In-Reply-To,
References, ``Re:``), so later THREAD rows have threads to build. Messages come out in
arrival order with rising dates, and the first N of any run are the first N of the full
86,719, whatever N is.
"""

from __future__ import annotations

import base64
import datetime
import random
import re
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime

__all__ = [
    "COMMON_WORD", "DEFAULT_COUNT", "RARE_SENDER", "RARE_WORD", "SHORT_JA_WORD", "Mailbox",
    "carrying", "generate", "planted",
]  # fmt: skip

DEFAULT_COUNT = 86_719
SEED = 86_719
RECIPIENT = "bench@bench.example"
CRLF = "\r\n"

_TEXT = (
    "the network layer sends each packet hop by hop while the transport layer keeps a "
    "reliable stream between two processes and the application layer speaks protocols "
    "such as smtp pop3 imap and http over that stream a mail user agent hands a message "
    "to the submission server which relays it to the exchanger of the receiving domain "
    "where it waits in a mailbox until the reader fetches it please find the minutes of "
    "our meeting attached and let me know by friday whether the schedule works for you "
    "thank you for your report the results look reasonable but the second table needs "
    "units and a short explanation of how the numbers were measured regards"
)
_WORDS = _TEXT.split()
_JA_WORDS = (
    "お世話になっております",
    "来週の",
    "講義では",
    "電子メールの",
    "仕組みについて",
    "説明します",
    "資料を",
    "添付しました",
    "ご確認ください",
    "よろしくお願いいたします",
    "研究室の",
    "打ち合わせは",
    "水曜日の午後に",
    "変更になりました",
    "宛先と",
    "件名を",
    "忘れずに",
    "書いてください",
    "本日は",
    "ありがとうございました",
    "情報工学科",
    "ネットワーク",
    "サーバ",
    "メールボックス",
    "。",
    "、",
)
_JA_SUBJECTS = ("講義資料の送付", "打ち合わせの件", "レポート提出について", "研究室のお知らせ")
_SUBJECTS = (
    "Minutes of the weekly meeting",
    "Lecture slides for chapter 7",
    "Question about the assignment",
    "Server maintenance on Saturday",
    "Draft of the paper",
    "Lunch next week?",
)
_PEOPLE = (
    ("Taro Yamada", "yamada"),
    ("Hanako Suzuki", "suzuki"),
    ("Alice Martin", "alice"),
    ("Bob Chen", "bob"),
    ("Network Lab", "netlab"),
)
_JA_PEOPLE = (("山田 太郎", "yamada"), ("鈴木 花子", "suzuki"), ("佐藤 一郎", "sato"))
_DOMAINS = ("example.ac.jp", "example.com", "example.org", "lab.example.jp")
# A sender and a body word that only a known handful of messages carry, for the SEARCH
# rows: every ``_EVERY``-th message from ``_FROM_AT`` on has the rare sender, from
# ``_WORD_AT`` on the rare word (in its first text part). Planting them draws nothing from
# the generator, so every other byte is what it would be without them.
RARE_SENDER = "kiri.tanaka@rare.example.net"
RARE_WORD = "quetzalcoatl"
# Two more words for the SEARCH BODY rows: an English word of about half the messages'
# text, and a Japanese word of two characters (shorter than any trigram).
COMMON_WORD = "network"
SHORT_JA_WORD = "講義"
_EVERY = 1000
_FROM_AT = 7
_WORD_AT = 501
_TEXT_PART = 'Content-Type: text/plain; charset="us-ascii"' + CRLF * 2
_START = datetime.datetime(2019, 4, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


@dataclass(frozen=True, slots=True)
class Mailbox:
    """The generated messages (CRLF line ends, as they go over LMTP)."""

    messages: list[bytes]
    recipient: str = RECIPIENT

    @property
    def total_bytes(self) -> int:
        return sum(len(m) for m in self.messages)


@dataclass(slots=True)
class _Thread:
    message_id: str
    subject: str
    references: str


def planted(count: int, what: str) -> int:
    """How many of the first ``count`` messages carry ``RARE_SENDER`` or ``RARE_WORD``."""
    first = _FROM_AT if what == RARE_SENDER else _WORD_AT
    return max(0, (count - first + _EVERY - 1) // _EVERY)


def carrying(messages: list[bytes], word: str) -> int:
    """How many of ``messages`` have ``word`` in their body's text, case aside: every body
    here is ASCII or ISO-2022-JP (text parts; base64 attachments are ASCII, and a word
    of seven letters does not turn up in them by chance), so reading the body after the
    header as ISO-2022-JP gives its text."""
    wanted = word.lower()
    found = 0
    for message in messages:
        _, _, body = message.partition(b"\r\n\r\n")
        found += wanted in body.decode("iso2022_jp", "replace").lower()
    return found


def generate(count: int = DEFAULT_COUNT, seed: int = SEED) -> Mailbox:
    """The first ``count`` messages of the seeded sequence."""
    rng = random.Random(seed)
    recent: list[_Thread] = []
    return Mailbox([_message(rng, i, recent) for i in range(count)])


def _message(rng: random.Random, index: int, recent: list[_Thread]) -> bytes:
    size = int(rng.triangular(2500, 13500, 6000))
    kind = rng.choices(("plain", "japanese", "mixed", "alternative"), (55, 20, 15, 10))[0]
    japanese = kind == "japanese"
    headers = _headers(rng, index, recent, japanese)
    body_headers, body = _BODIES[kind](rng, max(size - len(headers), 800))
    if index % _EVERY == _FROM_AT:
        headers = re.sub(r"(?m)^From: .*$", f"From: Kiri Tanaka <{RARE_SENDER}>", headers)
    if index % _EVERY == _WORD_AT:
        line = f"the {RARE_WORD} is back{CRLF}"
        # multipart: into the first text part, not the preamble
        multipart = _TEXT_PART in body
        body = body.replace(_TEXT_PART, _TEXT_PART + line, 1) if multipart else line + body
    return (headers + body_headers + CRLF + body).encode("ascii")


def _headers(rng: random.Random, index: int, recent: list[_Thread], japanese: bool) -> str:
    date = _START + datetime.timedelta(minutes=index * 15 + rng.randrange(15))
    name, local = rng.choice(_JA_PEOPLE if japanese else _PEOPLE)
    domain = rng.choice(_DOMAINS)
    message_id = f"<{date:%Y%m%d%H%M%S}.{index:06d}.{rng.getrandbits(32):08x}@{domain}>"
    lines = [
        f"Return-Path: <{local}@{domain}>",
        f"Received: from mx.{domain} (mx.{domain} [192.0.2.{index % 250 + 1}])",
        f"\tby mail.bench.example with ESMTPS id {rng.getrandbits(48):012X}",
        f"\tfor <{RECIPIENT}>; {format_datetime(date)}",
        f"Date: {format_datetime(date)}",
        f"From: {_phrase(name)} <{local}@{domain}>",
        f"To: Bench User <{RECIPIENT}>",
        f"Subject: {_subject(rng, recent, message_id, japanese)}",
        f"Message-ID: {message_id}",
    ]
    if rng.random() < 0.2:
        lines.append(f"Cc: {_phrase(rng.choice(_PEOPLE)[0])} <list@{domain}>")
    lines += _thread_headers(recent, message_id)
    lines.append("MIME-Version: 1.0")
    return CRLF.join(lines) + CRLF


def _subject(rng: random.Random, recent: list[_Thread], message_id: str, japanese: bool) -> str:
    if recent and rng.random() < 0.35:
        parent = rng.choice(recent)
        thread = _Thread(message_id, parent.subject, f"{parent.references} {parent.message_id}")
        subject = f"Re: {parent.subject}"
    else:
        subject = rng.choice(_JA_SUBJECTS if japanese else _SUBJECTS)
        thread = _Thread(message_id, subject, "")
    recent.append(thread)
    if len(recent) > 300:
        del recent[: len(recent) - 300]
    return _phrase(subject)


def _thread_headers(recent: list[_Thread], message_id: str) -> list[str]:
    references = recent[-1].references.split()
    if recent[-1].message_id != message_id or not references:
        return []
    return [f"In-Reply-To: {references[-1]}", "References: " + f"{CRLF} ".join(references[-8:])]


def _phrase(text: str) -> str:
    """A header phrase: as it is if ASCII, else RFC 2047 encoded words in ISO-2022-JP."""
    if text.isascii():
        return text
    return str(Header(text, "iso-2022-jp").encode(linesep=CRLF))


def _english(rng: random.Random, size: int) -> str:
    lines: list[str] = []
    length = 0
    while length < size:
        line = " ".join(rng.choices(_WORDS, k=rng.randint(8, 12)))
        if rng.random() < 0.01:
            line = ". " + line  # a line that needs dot-stuffing on the wire
        lines.append(line)
        length += len(line) + 2
    return CRLF.join(lines) + CRLF


def _japanese(rng: random.Random, size: int) -> str:
    lines: list[str] = []
    length = 0
    while length < size:
        text = "".join(rng.choices(_JA_WORDS, k=rng.randint(3, 5)))[:34]
        line = text.encode("iso2022_jp").decode("ascii")
        lines.append(line)
        length += len(line) + 2
    return CRLF.join(lines) + CRLF


def _plain(rng: random.Random, size: int) -> tuple[str, str]:
    return 'Content-Type: text/plain; charset="us-ascii"' + CRLF, _english(rng, size)


def _plain_japanese(rng: random.Random, size: int) -> tuple[str, str]:
    headers = 'Content-Type: text/plain; charset="ISO-2022-JP"' + CRLF
    return headers + "Content-Transfer-Encoding: 7bit" + CRLF, _japanese(rng, size)


def _multipart(kind: str, boundary: str, parts: list[str]) -> tuple[str, str]:
    headers = f'Content-Type: multipart/{kind}; boundary="{boundary}"{CRLF}'
    preamble = "This is a multi-part message in MIME format." + CRLF
    body = "".join(f"{CRLF}--{boundary}{CRLF}{part}" for part in parts)
    return headers, preamble + body + f"{CRLF}--{boundary}--{CRLF}"


def _alternative(rng: random.Random, size: int) -> tuple[str, str]:
    text = _english(rng, size // 2)
    html = "<html><body><p>" + text.replace(CRLF, "</p>" + CRLF + "<p>") + "</p></body></html>"
    parts = [
        'Content-Type: text/plain; charset="us-ascii"' + CRLF * 2 + text,
        'Content-Type: text/html; charset="us-ascii"' + CRLF * 2 + html + CRLF,
    ]
    return _multipart("alternative", f"alt-{rng.getrandbits(64):016x}", parts)


def _mixed(rng: random.Random, size: int) -> tuple[str, str]:
    text = _english(rng, size // 3)
    raw = rng.randbytes(size // 2)
    encoded = base64.encodebytes(raw).decode("ascii").replace("\n", CRLF)
    name = rng.choice(("report.pdf", "slides.pdf", "photo.png", "data.csv"))
    attachment = (
        f'Content-Type: application/octet-stream; name="{name}"{CRLF}'
        f"Content-Transfer-Encoding: base64{CRLF}"
        f'Content-Disposition: attachment; filename="{name}"{CRLF}{CRLF}{encoded}'
    )
    parts = ['Content-Type: text/plain; charset="us-ascii"' + CRLF * 2 + text, attachment]
    return _multipart("mixed", f"mix-{rng.getrandbits(64):016x}", parts)


_BODIES = {
    "plain": _plain,
    "japanese": _plain_japanese,
    "mixed": _mixed,
    "alternative": _alternative,
}
