"""Decoding text in the charsets Japanese mail arrives in.

Mailers often declare a charset and send its Microsoft superset: ``Shift_JIS`` that is really
CP932, ``ISO-2022-JP`` that carries CP932's extra rows (CP50220, "ISO-2022-JP-MS"). The
linter must read exactly those mails, since they hold the machine-dependent characters it
reports, so each decoder falls back to the superset before giving up.
"""

from __future__ import annotations

from collections.abc import Callable

from hato.mime import text_codec


class UnknownCharsetError(ValueError):
    """The declared charset is not one Python knows."""


def codec_name(charset: str) -> str:
    """Return Python's canonical codec name for a MIME *charset* (``Shift_JIS`` -> shift_jis);
    a codec that is no charset (punycode, zlib_codec, ...) is unknown too."""
    name = text_codec(charset)
    if name is None:
        raise UnknownCharsetError(f"unknown charset {charset[:40]!r}")
    return name


def decode_text(data: bytes, charset: str | None) -> str:
    """Decode *data* declared as *charset*, trying the charset's known supersets first."""
    name = codec_name(charset) if charset else "ascii"
    for decoder in _decoders(name):
        try:
            return decoder(data)
        except UnicodeError:
            continue
    return data.decode(name, errors="replace")


def _decoders(name: str) -> list[Callable[[bytes], str]]:
    """The decoders to try in turn: the declared codec, then its known supersets."""
    strict = [lambda data: data.decode(name)]
    if name.startswith("iso2022_jp"):
        return [*strict, decode_iso2022jp_ms]
    if name in ("shift_jis", "shift_jis_2004", "shift_jisx0213"):
        return [*strict, lambda data: data.decode("cp932")]
    if name in ("ascii", "us_ascii"):
        return [*strict, lambda data: data.decode("utf-8")]
    return strict


# RFC 1468: ESC ( B is ASCII, ESC ( J is JIS X 0201 Roman, ESC $ @ and ESC $ B are
# JIS X 0208. CP50221 adds ESC ( I, JIS X 0201 katakana; CP50222 adds SO/SI for it.
_ESCAPES = {
    b"\x1b(B": "ascii",
    b"\x1b(J": "ascii",
    b"\x1b$@": "jis",
    b"\x1b$B": "jis",
    b"\x1b(I": "kana",
}


def decode_iso2022jp_ms(data: bytes) -> str:
    """Decode ISO-2022-JP with Microsoft's extensions by mapping JIS rows to CP932 bytes."""
    sjis = bytearray()
    mode, saved, i = "ascii", "ascii", 0
    while i < len(data):
        escape = data[i : i + 3]
        if escape in _ESCAPES:
            mode, i = _ESCAPES[escape], i + 3
        elif data[i] == 0x0E:
            saved, mode, i = mode, "kana", i + 1
        elif data[i] == 0x0F:
            mode, i = saved, i + 1
        elif mode == "jis" and data[i] > 0x20:
            sjis += _jis_to_sjis(data[i], data[i + 1] if i + 1 < len(data) else 0)
            i += 2
        else:
            sjis.append(data[i] | 0x80 if mode == "kana" and data[i] > 0x20 else data[i])
            i += 1
    return bytes(sjis).decode("cp932")


def _jis_to_sjis(j1: int, j2: int) -> bytes:
    """Map one JIS X 0208 code (two 7-bit bytes) to its Shift_JIS bytes."""
    if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
        raise UnicodeDecodeError("iso2022_jp", bytes([j1, j2]), 0, 2, "not a JIS X 0208 code")
    s1 = ((j1 - 0x21) >> 1) + 0x81
    if s1 > 0x9F:
        s1 += 0x40
    # Odd JIS rows go to trail bytes 0x40-0x9E (skipping 0x7F), even rows to 0x9F-0xFC.
    s2 = j2 + (0x1F + (j2 >= 0x60) if j1 % 2 else 0x7E)
    return bytes([s1, s2])
