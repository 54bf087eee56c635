"""UTF8=ACCEPT (RFC 6855) and IMAP4rev2's UTF-8 names (RFC 9051) in the sans-IO core."""

from __future__ import annotations

import pytest

from hato.proto.imap import (
    Append,
    ImapReader,
    ParseError,
    Select,
    Utf8Mode,
    Utf8Quoted,
    encode,
    parse_command,
)


def test_names_are_utf8_only_when_enabled() -> None:
    raw = 'a SELECT "Café&-"'.encode()
    utf8 = parse_command(raw, utf8=Utf8Mode.ACCEPT)
    assert isinstance(utf8, Select) and utf8.mailbox == "Café&-"
    legacy = parse_command(raw)
    assert isinstance(legacy, ParseError) and legacy.status == "NO"
    rev2 = parse_command(raw, utf8=Utf8Mode.NAMES)
    assert isinstance(rev2, Select) and rev2.mailbox == "Café&-"


@pytest.mark.parametrize(
    "name", [b"\xc0\xaf", b"\xed\xa0\x80", b"caf\xc3", b"\xf8\x88\x80\x80\x80"]
)
def test_malformed_utf8_names_are_bad(name: bytes) -> None:
    parsed = parse_command(b'a CREATE "' + name + b'"', utf8=Utf8Mode.ACCEPT)
    assert isinstance(parsed, ParseError)
    assert parsed.to_bytes() == (
        b"a BAD Error in IMAP command CREATE: Mailbox name is not valid UTF-8\r\n"
    )


def test_utf8_append_data() -> None:
    parsed = parse_command(
        b"a APPEND INBOX (\\Seen) UTF8 (~{2}\r\nhi) {1}\r\nx", utf8=Utf8Mode.ACCEPT
    )
    assert isinstance(parsed, Append)
    first, second = parsed.messages
    assert (first.data, first.utf8, first.flags) == (b"hi", True, ("\\Seen",))
    assert (second.data, second.utf8) == (b"x", False)


@pytest.mark.parametrize(
    ("line", "utf8"),
    [
        (b"a APPEND INBOX UTF8 (~{2}\r\nhi)", Utf8Mode.OFF),  # §4: BAD unless enabled
        (b"a APPEND INBOX UTF8 (~{2}\r\nhi)", Utf8Mode.NAMES),  # IMAP4rev2 has no UTF8 item
        (b"a APPEND INBOX UTF8 ({2}\r\nhi)", Utf8Mode.ACCEPT),  # literal8 only
        (b"a APPEND INBOX UTF8 (~{2}\r\nhi", Utf8Mode.ACCEPT),
        (b"a APPEND INBOX UTF9 (~{2}\r\nhi)", Utf8Mode.ACCEPT),
    ],
)
def test_bad_utf8_append_forms(line: bytes, utf8: Utf8Mode) -> None:
    parsed = parse_command(line, utf8=utf8)
    assert isinstance(parsed, ParseError) and parsed.status == "BAD"


def test_the_reader_reads_a_utf8_literal8() -> None:
    reader = ImapReader()
    reader.utf8 = Utf8Mode.ACCEPT
    reader.receive_data(b"a APPEND INBOX UTF8 (~{2+}\r\nhi)\r\n")
    event = reader.next_event()
    assert isinstance(event, Append) and event.messages[0].utf8


def test_search_charset_is_bad_after_enable() -> None:
    parsed = parse_command(b"a SEARCH CHARSET UTF-8 ALL", utf8=Utf8Mode.ACCEPT)
    assert isinstance(parsed, ParseError) and parsed.status == "BAD"
    for mode in (Utf8Mode.OFF, Utf8Mode.NAMES):  # RFC 9051 §6.4.4 keeps CHARSET
        assert not isinstance(parse_command(b"a SEARCH CHARSET UTF-8 ALL", utf8=mode), ParseError)


def test_utf8_quoted() -> None:
    assert encode(Utf8Quoted("Größe")) == '"Größe"'.encode()
    assert encode(Utf8Quoted('a"b')) == b'"a\\"b"'
    assert encode(Utf8Quoted("a\r\nb")) == b"{4}\r\na\r\nb"
