"""RFC 2047 encoded-words, decoded for searching and sorting (never for IMAP output).

    encoded-word = "=?" charset "?" encoding "?" encoded-text "?="

White space between two adjacent encoded-words is dropped (RFC 2047 §6.2). A word that
does not decode, or names an unknown charset (or a codec that is no charset,
hato.mime._charsets), is decoded as well as possible with replacement characters;
nothing raises.
"""

from __future__ import annotations

import binascii
import re

from hato.mime._charsets import text_codec

_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_GAP = re.compile(r"[ \t\r\n]+")


def decode_words(value: str) -> str:
    """Decode every encoded-word in ``value`` and make 8-bit leftovers valid text."""
    if "=?" not in value:
        return _clean(value)
    out: list[str] = []
    pos = 0
    for match in _WORD.finditer(value):
        between = value[pos : match.start()]
        if not (pos and _GAP.fullmatch(between)):
            out.append(_clean(between))
        out.append(_decode(match.group(1), match.group(2), match.group(3)))
        pos = match.end()
    out.append(_clean(value[pos:]))
    return "".join(out)


def _decode(charset: str, kind: str, data: str) -> str:
    raw = data.encode("ascii", "replace")
    try:
        if kind in "bB":
            raw = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
        else:
            raw = binascii.a2b_qp(raw, header=True)
    except (binascii.Error, ValueError):
        return data
    codec = text_codec(charset.split("*", 1)[0])  # RFC 2231 §5 language suffix
    return raw.decode(codec or "utf-8", "replace")


def _clean(value: str) -> str:
    """Turn surrogate-escaped 8-bit bytes into text: UTF-8, else Latin-1."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    return value
