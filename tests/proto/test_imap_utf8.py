"""UTF8=ACCEPT in the sans-IO core (RFC 6855): names, APPEND's UTF8 data, SEARCH."""

from __future__ import annotations

import pytest

from hato.proto.imap import (
    Append,
    ImapReader,
    ParseError,
    Select,
    Utf8Quoted,
    encode,
    parse_command,
)


def test_names_are_utf8_only_when_enabled() -> None:
    raw = 'a SELECT "Café&-"'.encode()
    utf8 = parse_command(raw, utf8=True)
    assert isinstance(utf8, Select) and utf8.mailbox == "Café&-"
    legacy = parse_command(raw)
    assert isinstance(legacy, ParseError) and legacy.status == "NO"


@pytest.mark.parametrize(
    "name", [b"\xc0\xaf", b"\xed\xa0\x80", b"caf\xc3", b"\xf8\x88\x80\x80\x80"]
)
def test_malformed_utf8_names_are_bad(name: bytes) -> None:
    parsed = parse_command(b'a CREATE "' + name + b'"', utf8=True)
    assert isinstance(parsed, ParseError)
    assert parsed.to_bytes() == (
        b"a BAD Error in IMAP command CREATE: Mailbox name is not valid UTF-8\r\n"
    )


def test_utf8_append_data() -> None:
    parsed = parse_command(b"a APPEND INBOX (\\Seen) UTF8 (~{2}\r\nhi) {1}\r\nx", utf8=True)
    assert isinstance(parsed, Append)
    first, second = parsed.messages
    assert (first.data, first.utf8, first.flags) == (b"hi", True, ("\\Seen",))
    assert (second.data, second.utf8) == (b"x", False)


@pytest.mark.parametrize(
    ("line", "utf8"),
    [
        (b"a APPEND INBOX UTF8 (~{2}\r\nhi)", False),  # §4: BAD unless enabled
        (b"a APPEND INBOX UTF8 ({2}\r\nhi)", True),  # literal8 only
        (b"a APPEND INBOX UTF8 (~{2}\r\nhi", True),
        (b"a APPEND INBOX UTF9 (~{2}\r\nhi)", True),
    ],
)
def test_bad_utf8_append_forms(line: bytes, utf8: bool) -> None:
    parsed = parse_command(line, utf8=utf8)
    assert isinstance(parsed, ParseError) and parsed.status == "BAD"


def test_the_reader_reads_a_utf8_literal8() -> None:
    reader = ImapReader()
    reader.utf8 = True
    reader.receive_data(b"a APPEND INBOX UTF8 (~{2+}\r\nhi)\r\n")
    event = reader.next_event()
    assert isinstance(event, Append) and event.messages[0].utf8


def test_search_charset_is_bad_after_enable() -> None:
    parsed = parse_command(b"a SEARCH CHARSET UTF-8 ALL", utf8=True)
    assert isinstance(parsed, ParseError) and parsed.status == "BAD"
    assert not isinstance(parse_command(b"a SEARCH CHARSET UTF-8 ALL"), ParseError)


def test_utf8_quoted() -> None:
    assert encode(Utf8Quoted("Größe")) == '"Größe"'.encode()
    assert encode(Utf8Quoted('a"b')) == b'"a\\"b"'
    assert encode(Utf8Quoted("a\r\nb")) == b"{4}\r\na\r\nb"
