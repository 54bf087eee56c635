"""Charset labels from messages reach Python's codecs only when they name a real
charset: no codec that is slow, warns or is no text encoding at all."""

from __future__ import annotations

import pytest

from hato.manners._decode import UnknownCharsetError, codec_name, decode_text
from hato.mime import decode_words, decoded_text, parse_message, text_codec
from hato.mime._charsets import MAX_LABEL


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("utf-8", "utf-8"), ("UTF-8", "utf-8"), ('"utf-8"', "utf-8"), (" us-ascii ", "ascii"),
        ("ISO-8859-1", "iso8859-1"), ("Shift_JIS", "shift_jis"), ("ISO-2022-JP", "iso2022_jp"),
        ("windows-1252", "cp1252"), ("koi8-r", "koi8-r"), ("GB18030", "gb18030"),
        ("utf-7", "utf-7"), ("utf-16", "utf-16"),
    ],
)  # fmt: skip
def test_charsets_are_known(label: str, codec: str) -> None:
    assert text_codec(label) == codec


@pytest.mark.parametrize(
    "label",
    [
        "punycode", "idna", "unicode_escape", "raw_unicode_escape", "undefined", "charmap",
        "base64", "base64_codec", "zlib_codec", "zlib", "bz2_codec", "hex", "uu_codec",
        "quopri_codec", "rot13", "rot_13", "", "nope", "utf-8" + " " * MAX_LABEL + "x",
        "u" * (MAX_LABEL + 1), "utf\x00-8",
    ],
)  # fmt: skip
def test_codecs_that_are_no_charsets_are_unknown(label: str) -> None:
    assert text_codec(label) is None
    with pytest.raises(UnknownCharsetError):
        codec_name(label)


# Punycode's decoder is quadratic: 80,000 octets took 0.7 s, these 600,000 take minutes.
SLOW = b"zzzzzb" * 100_000


@pytest.mark.timeout(10)
def test_search_reads_a_punycode_part_as_utf8() -> None:
    raw = b"Content-Type: text/plain; charset=punycode\r\n\r\n" + SLOW + b"\r\n"
    (text,) = decoded_text(raw, parse_message(raw))
    assert text == SLOW.decode() + "\r\n"


@pytest.mark.timeout(10)
def test_an_encoded_word_in_punycode_is_read_as_utf8() -> None:
    assert decode_words("=?punycode?q?" + SLOW.decode() + "?=") == SLOW.decode()


def test_unicode_escape_is_not_run_on_a_message() -> None:
    """It parsed Python escapes in the mail and warned (an error under pytest)."""
    raw = b"Content-Type: text/plain; charset=unicode_escape\r\n\r\nC:\\dir \\N{BULLET}\r\n"
    (text,) = decoded_text(raw, parse_message(raw))
    assert text == "C:\\dir \\N{BULLET}\r\n"
    assert decode_words("=?unicode_escape?q?\\d?=") == "\\d"


@pytest.mark.timeout(10)
def test_manners_refuses_punycode() -> None:
    with pytest.raises(UnknownCharsetError):
        decode_text(SLOW, "punycode")
