"""Modified UTF-7 (RFC 3501 §5.1.3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hato.proto.imap import MUTF7Error, decode_mutf7, encode_mutf7, parse_command
from tests.shared_dir import shared_path

VECTORS = [
    ("INBOX", "INBOX"),
    ("p\u00e4\u00e4", "p&AOQA5A-"),  # imaptest's mutf7 test
    ("&", "&-"),
    ("a&b", "a&-b"),
    ("~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
    ("\U0001f600", "&2D3eAA-"),
    ("\u00e4&\u00e4", "&AOQ-&-&AOQ-"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "wire"), VECTORS)
def test_vectors(text: str, wire: str) -> None:
    assert encode_mutf7(text) == wire
    assert decode_mutf7(wire) == text
    assert decode_mutf7(wire.encode()) == text


@pytest.mark.parametrize(
    "wire",
    [
        "&",  # unterminated
        "&AOQ",  # unterminated run
        "&AGE-",  # encodes "a", which must be written directly
        "&AOQ-&AOQ-",  # two runs where one would do
        "&AOQA5A",  # no "-"
        "&AO-",  # not a whole UTF-16 unit
        "&AOR-",  # non-zero pad bits
        "&2D0-",  # a lone surrogate
        "a\x01b",  # control character
        "&Jjo!-",
        "p\u00e4",  # raw 8-bit
    ],
)
def test_invalid(wire: str) -> None:
    with pytest.raises(MUTF7Error):
        decode_mutf7(wire)
    with pytest.raises(MUTF7Error):
        decode_mutf7(wire.encode("utf-8"))


@given(st.text())
def test_round_trip(text: str) -> None:
    wire = encode_mutf7(text)
    assert wire.isascii()
    assert all(" " <= char <= "~" for char in wire)
    assert decode_mutf7(wire) == text


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_decode_accepts_only_canonical(wire: str) -> None:
    try:
        text = decode_mutf7(wire)
    except MUTF7Error:
        return
    assert encode_mutf7(text) == wire


def test_imaptest_names_decode() -> None:
    """Every quoted name of imaptest's mutf7 script parses to the same Unicode name."""
    for line in shared_path("imaptest-tests/mutf7").read_text().splitlines():
        if "&" in line and line.startswith("ok "):
            command = line[3:].replace("$mailbox", "box").replace("${sep}", ".")
            result = parse_command(b"t " + command.encode())
            assert getattr(result, "mailbox", None) == "box.p\u00e4\u00e4" or getattr(
                result, "patterns", None
            ) == ("box.p\u00e4\u00e4",)
