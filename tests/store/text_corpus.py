"""A generated mailbox for the full-text index's tests: Japanese, English and mixed
text, in every charset and transfer encoding Japanese mail uses, in plain text and
HTML parts, with encoded words in the subject; and the keys to search it with."""

from __future__ import annotations

import base64
import quopri
import random
import unicodedata
from collections.abc import Iterator

__all__ = ["corpus", "keys"]

JAPANESE = [
    "議事録を送ります", "鳩が豆鉄砲を食ったよう", "会議は明日の午後三時からです",
    "カタカナとひらがな",
    "ｶﾀｶﾅ半角です", "がぎぐげご", "パソコンの設定", "東京都千代田区", "よろしくお願いします",
    "メール検索の試験", "全角ＡＢＣと１２３", "㈱日本語", "①②③",
]  # fmt: skip
ENGLISH = [
    "Meeting minutes attached", "The quick brown fox", "Straße and STRASSE", "ﬁnal ﬁgures",
    "Ǆemal and ǅ", "naïve café", "ÄPFEL und äpfel", "100% sure_thing *star* \"quoted\"",
    "Hello, World!", "pigeon post", "ΣΊΣΥΦΟΣ σίσυφος", "İstanbul ıi", "C:\\Users\\hato",
]  # fmt: skip
# (charset label, Python codec, transfer encoding) for each kind of text part
ENCODINGS = [
    ("utf-8", "utf-8", "8bit"),
    ("utf-8", "utf-8", "base64"),
    ("utf-8", "utf-8", "quoted-printable"),
    ("iso-2022-jp", "iso2022_jp_ext", "7bit"),
    ("shift_jis", "cp932", "8bit"),
    ("shift_jis", "cp932", "base64"),
    ("euc-jp", "euc_jp", "8bit"),
]


def _text(rng: random.Random) -> str:
    words = rng.sample(JAPANESE, 2) + rng.sample(ENGLISH, 2)
    rng.shuffle(words)
    return " ".join(words) + "\r\n" + rng.choice(JAPANESE) + rng.choice(ENGLISH)


def _encodable(text: str, codec: str) -> str:
    return text.encode(codec, "ignore").decode(codec)


def _part(rng: random.Random, html: bool) -> bytes:
    label, codec, transfer = rng.choice(ENCODINGS)
    text = _encodable(_text(rng), codec)
    if html:
        text = (
            f"<html><body><p>{text.replace('&', '&amp;')}</p><b>太</b>字 &lt;tag&gt;</body></html>"
        )
    data = text.encode(codec)
    if transfer == "base64":
        data = base64.encodebytes(data).replace(b"\n", b"\r\n")
    elif transfer == "quoted-printable":
        data = quopri.encodestring(data).replace(b"\n", b"\r\n")
    kind = "html" if html else "plain"
    return (
        (
            f"Content-Type: text/{kind}; charset={label}\r\n"
            f"Content-Transfer-Encoding: {transfer}\r\n\r\n"
        ).encode()
        + data
        + b"\r\n"
    )


def _subject(rng: random.Random) -> bytes:
    subject = rng.choice(JAPANESE) + " " + rng.choice(ENGLISH)
    encoded = base64.b64encode(subject.encode()).decode()
    return f"=?utf-8?b?{encoded}?=".encode()


def corpus(count: int, seed: int = 18) -> list[bytes]:
    """``count`` messages, the same ones for the same seed."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        head = (
            b"From: =?iso-2022-jp?b?GyRCNEEbKEI=?= <kan@example.jp>\r\nTo: all@example.org\r\n"
            b"Subject: " + _subject(rng) + f"\r\nMessage-ID: <m{n}@example.jp>\r\n".encode()
            + b"MIME-Version: 1.0\r\n"
        )  # fmt: skip
        if n % 3 == 0:
            body = (
                b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
                + _part(rng, False) + b"--b\r\n" + _part(rng, True) + b"--b--\r\n"
            )  # fmt: skip
        else:
            body = _part(rng, n % 3 == 1)
        out.append(head + body)
    return out


def _variants(key: str, rng: random.Random) -> Iterator[str]:
    yield key
    yield key.upper()
    yield key.lower()
    yield key.swapcase()
    yield unicodedata.normalize("NFKC", key)
    yield "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in key)  # full width
    yield key[:: rng.choice((1, 1, -1))]


def keys(texts: list[str], count: int, seed: int = 5) -> list[str]:
    """``count`` search keys: substrings of 1 to 20 characters of ``texts`` (and
    variants: case, width, reversed) and strings found in none of them."""
    rng = random.Random(seed)
    fixed = [
        "議事", "鳩", "か", "が", "ｶﾅ", "カナ", "ＡＢＣ", "abc", "ß", "SS", "ﬁ", "FI", "ǅ", "Ǆ",
        "%", "_", "*", '"', '%_*"', '"*"', "NEAR", "OR", "AND", "-", "^", "ı", "I", "İ", "σ",
        "<p>", "&amp;", "&", "太字", "<tag>", "=?utf-8?", "ISO-2022-JP", "\x1b$B", "x" * 10_000,
        ":\\USERS", "\\u", "\\", "s\\h",
    ]  # fmt: skip
    out = list(fixed)
    while len(out) < count:
        text = rng.choice(texts)
        size = rng.randint(1, 20)
        start = rng.randrange(max(1, len(text) - size))
        out.extend(_variants(text[start : start + size], rng))
        out.append("".join(rng.choice("あア議ab% _*Zß1") for _ in range(rng.randint(1, 6))))
    return out
