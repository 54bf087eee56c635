"""BINARY's decoding (RFC 3516 §4.2, RFC 2045 §6.7, §6.8) and a literal8 APPEND's binary
parts stored as base64 (RFC 3516 §4.3)."""

from __future__ import annotations

import base64

import pytest

from hato.mime import binary_section, parse_message, without_binary_parts
from hato.mime._decode import binary_decode


@pytest.mark.parametrize(
    ("body", "decoded"),
    [
        (b"hello  \r\nbar", b"hello\r\nbar"),  # rule 3: trailing white space is padding
        (b"soft=\r\nbreak\r\n", b"softbreak\r\n"),  # rule 5: "=" at the end joins lines
        (b"tab\t \t= \r\n=62\r\n", b"tab\t \tb\r\n"),  # "=" then padding is a soft break
        (b"caf=C3=a9", "café".encode()),  # rule 1, either case of hex
        (b"a=ZZb=", b"a=ZZb"),  # no escape: the "=" stays
        (b"lf only\nnext", b"lf only\nnext"),  # line ends as written
    ],
)
def test_quoted_printable(body: bytes, decoded: bytes) -> None:
    assert binary_decode(body, "Quoted-Printable") == decoded


def test_quoted_printable_is_linear_on_long_lines() -> None:
    body = b"=41" * 200_000 + b"=\r\n" * 200_000
    assert binary_decode(body, "quoted-printable") == b"A" * 200_000


@pytest.mark.parametrize("encoding", [None, "7bit", "8BIT", " binary "])
def test_identity_encodings(encoding: str | None) -> None:
    assert binary_decode(b"a\x00b", encoding) == b"a\x00b"


@pytest.mark.parametrize("encoding", ["x-uuencode", "base32", "7-bit"])
def test_unknown_encoding_is_none(encoding: str) -> None:
    assert binary_decode(b"abc", encoding) is None


def test_base64_ignores_characters_outside_the_alphabet() -> None:
    assert binary_decode(b"  aGVs \r\n bG8g\r\nd29y\tbGQ= \r\n", "base64") == b"hello world"


MESSAGE = (
    b"Subject: x\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n'
    b"\r\n--b\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: BINARY\r\n"
    b"X-Keep: yes\r\n"
    b"\r\n\x00\xff\r\nraw"
    b"\r\n--b\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\nplain text"
    b"\r\n--b\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"Subject: inner\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Transfer-Encoding: binary\r\n"
    b"\r\ninner\x00body"
    b"\r\n--b\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"Subject: not mime\r\n"
    b"Content-Transfer-Encoding: binary\r\n"
    b"\r\nkept\x00as is"
    b"\r\n--b--\r\n"
)


def test_binary_parts_become_base64_and_decode_back() -> None:
    stored = without_binary_parts(MESSAGE)
    assert b": BINARY" not in stored and stored.count(b"\x00") == 1
    assert b"kept\x00as is" in stored  # no MIME-Version: its header is not MIME's
    info = parse_message(stored)
    assert binary_section(stored, info, (1,)) == b"\x00\xff\r\nraw"
    assert binary_section(stored, info, (2,)) == b"plain text"
    assert binary_section(stored, info, (3, 1)) == b"inner\x00body"
    assert b"X-Keep: yes\r\nContent-Transfer-Encoding: base64\r\n\r\n" in stored
    assert base64.b64encode(b"\x00\xff\r\nraw") in stored


def test_a_message_without_binary_parts_is_kept_as_it_is() -> None:
    text = b"Subject: x\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n"
    assert without_binary_parts(text) is text


def test_missing_part_is_empty() -> None:
    info = parse_message(MESSAGE)
    assert binary_section(MESSAGE, info, (9,)) == b""
    assert binary_section(MESSAGE, info, ()) == MESSAGE
