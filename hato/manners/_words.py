"""RFC 2047 encoded words in header fields.

The standard library decodes them too, but with the declared charset only; here each word is
decoded with :func:`decode_text`, which knows the Microsoft supersets, and the declared
charsets are kept for the ``non-standard-charset`` rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header

from hato.manners._decode import UnknownCharsetError, decode_text

# RFC 2047 section 2: encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=")


@dataclass(frozen=True, slots=True)
class EncodedWord:
    """The decoded text of a header's encoded words in one declared charset."""

    field: str
    charset: str
    text: str


def _chunks(value: str) -> list[tuple[bytes | str, str | None]]:
    """Split a header value into (text, charset) chunks; charset None for plain text."""
    if not _ENCODED_WORD.search(value):
        return [(value, None)]
    try:
        return decode_header(value)
    except (HeaderParseError, ValueError):
        return [(value, None)]


def _chunk_text(chunk: bytes | str, charset: str | None) -> str:
    """Decode one chunk; an unknown charset in a header is tolerated."""
    if isinstance(chunk, str):
        return chunk
    if charset is None:  # decode_header's bytes for the text between encoded words
        return chunk.decode("raw-unicode-escape")
    try:
        return decode_text(chunk, charset)
    except UnknownCharsetError:
        return chunk.decode("ascii", "replace")


def decoded_header(value: str) -> str:
    """Return the text of a raw header *value*, encoded words decoded, folding removed."""
    value = re.sub(r"\r?\n[ \t]", " ", value)
    text = "".join(_chunk_text(chunk, charset) for chunk, charset in _chunks(value))
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def encoded_words(items: Iterable[tuple[str, object]]) -> tuple[EncodedWord, ...]:
    """Return the encoded words of every header field, grouped by field and charset."""
    words: list[EncodedWord] = []
    for field, raw in items:
        for chunk, charset in _chunks(re.sub(r"\r?\n[ \t]", " ", str(raw))):
            if charset and isinstance(chunk, bytes):
                words.append(EncodedWord(field.lower(), charset, _chunk_text(chunk, charset)))
    return tuple(words)
