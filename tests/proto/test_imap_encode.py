"""The response encoder, and round trips through the parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hato.proto.imap import (
    Atom,
    FetchAttr,
    Literal,
    Login,
    ParseError,
    Raw,
    Section,
    capability_response,
    continuation,
    encode,
    encode_flags,
    esearch_response,
    exists_response,
    expunge_response,
    fetch_response,
    fetch_response_parts,
    fetch_template,
    format_date_time,
    numbers_response,
    parse_command,
    recent_response,
    resp_code,
    tagged,
    thread_response,
    untagged,
    untagged_status,
    vanished_response,
)


def test_values() -> None:
    assert encode(None) == b"NIL"
    assert encode(42) == b"42"
    assert encode("welcome") == b'"welcome"'
    assert encode('a"b\\c') == b'"a\\"b\\\\c"'
    assert encode(b"a\r\nb") == b"{4}\r\na\r\nb"
    assert encode("\u00e4") == b"{2}\r\n\xc3\xa4"
    assert encode(b"x" * 5000).startswith(b"{5000}\r\n")
    assert encode([Atom("\\Seen"), [None, "x"], Raw(b"(raw)")]) == b'(\\Seen (NIL "x") (raw))'
    with pytest.raises(TypeError):
        encode(True)


def test_literal_sends_nul_as_0x80() -> None:
    """RFC 3501 §9 CHAR8 excludes NUL; Dovecot sends 0x80 in its place, same length."""
    assert encode(Literal(b"ab")) == b"{2}\r\nab"
    assert encode(Literal(b"a\x00b\x00")) == b"{4}\r\na\x80b\x80"


def test_binary_literal_with_nul_is_a_literal8() -> None:
    """RFC 3516 §4.2: BINARY data holding NUL goes as literal8, its bytes as they are."""
    assert encode(Literal(b"a\x00b", binary=True)) == b"~{3}\r\na\x00b"
    assert encode(Literal(b"ab\xff", binary=True)) == b"{3}\r\nab\xff"


def test_fetch_response_parts_keep_literal_data_apart() -> None:
    body = b"x" * 100_000
    parts = fetch_response_parts(3, [("UID", 7), ("BODY[]", Literal(body))])
    assert any(part is body for part in parts)  # written as it is, not copied
    assert b"".join(parts) == fetch_response(3, [("UID", 7), ("BODY[]", Literal(body))])
    assert b"".join(parts) == b"* 3 FETCH (UID 7 BODY[] {100000}\r\n" + body + b")\r\n"


def test_transcript_lines() -> None:
    """Answers of the reference transcript, built with the encoder."""
    assert untagged(1, Atom("EXISTS")) == b"* 1 EXISTS\r\n"
    assert untagged(Atom("FLAGS"), [Atom(f) for f in ("\\Answered", "\\Seen")]) == (
        b"* FLAGS (\\Answered \\Seen)\r\n"
    )
    assert untagged_status("OK", "First unseen.", resp_code("UNSEEN", 1)) == (
        b"* OK [UNSEEN 1] First unseen.\r\n"
    )
    code = resp_code("PERMANENTFLAGS", [Atom("\\Seen"), Atom("\\*")])
    assert tagged("A3", "OK", "Select completed.", "READ-WRITE") == (
        b"A3 OK [READ-WRITE] Select completed.\r\n"
    )
    assert untagged_status("OK", "Flags permitted.", code) == (
        b"* OK [PERMANENTFLAGS (\\Seen \\*)] Flags permitted.\r\n"
    )
    assert untagged(Atom("NAMESPACE"), [["", "."]], None, None) == (
        b'* NAMESPACE (("" ".")) NIL NIL\r\n'
    )
    envelope = [None, "welcome", [["hato", None, "hato", "localhost"]]]
    assert (
        fetch_response(1, [("RFC822.SIZE", 290), ("INTERNALDATE", "27-Nov-2026 23:10:43 +0000")])
        == b'* 1 FETCH (RFC822.SIZE 290 INTERNALDATE "27-Nov-2026 23:10:43 +0000")\r\n'
    )
    assert fetch_response(1, [("ENVELOPE", envelope)]) == (
        b'* 1 FETCH (ENVELOPE (NIL "welcome" (("hato" NIL "hato" "localhost"))))\r\n'
    )
    assert fetch_response(1, [("FLAGS", Raw(encode_flags(["\\Seen"])))]) == (
        b"* 1 FETCH (FLAGS (\\Seen))\r\n"
    )
    body = FetchAttr("BODY", Section(), (0, 10), peek=True)
    assert fetch_response(3, [(body.response_key(), b"x\r\n")]) == (
        b"* 3 FETCH (BODY[]<0> {3}\r\nx\r\n)\r\n"
    )
    assert continuation() == b"+ \r\n"
    assert continuation("idling") == b"+ idling\r\n"


@pytest.mark.parametrize(
    ("line", "wire"),
    [
        (capability_response("IMAP4rev1 IDLE"), b"* CAPABILITY IMAP4rev1 IDLE\r\n"),
        (numbers_response("SEARCH", []), b"* SEARCH\r\n"),
        (numbers_response("SEARCH", [2, 3], b" (MODSEQ 9)"), b"* SEARCH 2 3 (MODSEQ 9)\r\n"),
        (numbers_response("SORT", [5, 3, 4]), b"* SORT 5 3 4\r\n"),
        (thread_response([]), b"* THREAD\r\n"),
        (thread_response([b"(2)", b"(3 6 ", b"(4 23))"]), b"* THREAD (2)(3 6 (4 23))\r\n"),
        (esearch_response("A1", False, []), b'* ESEARCH (TAG "A1")\r\n'),
        (
            esearch_response("A1", True, [b"MIN 2", b"ALL 2:4"]),
            b'* ESEARCH (TAG "A1") UID MIN 2 ALL 2:4\r\n',
        ),
        (expunge_response(7), b"* 7 EXPUNGE\r\n"),
        (vanished_response("3:5,9"), b"* VANISHED 3:5,9\r\n"),
        (exists_response(172), b"* 172 EXISTS\r\n"),
        (recent_response(0), b"* 0 RECENT\r\n"),
        (vanished_response("3", earlier=True), b"* VANISHED (EARLIER) 3\r\n"),
        (
            fetch_template([b"UID %d", b"FLAGS %s"]) % (4, 9, b"()"),
            b"* 4 FETCH (UID 9 FLAGS ())\r\n",
        ),
        (untagged(Atom("ENABLED"), Atom("QRESYNC")), b"* ENABLED QRESYNC\r\n"),
        (untagged(Atom("LIST"), [Atom("\\Noselect")], ".", ""), b'* LIST (\\Noselect) "." ""\r\n'),
        (
            ParseError(None, "BAD", "Error in IMAP command received by server."),
            (b"* BAD Error in IMAP command received by server.\r\n"),
        ),
        (ParseError("a", "NO", "Too big.", "TOOBIG"), b"a NO [TOOBIG] Too big.\r\n"),
    ],
)
def test_untagged_responses(line: bytes | ParseError, wire: bytes) -> None:
    """Each response the dispatcher and handlers send, as the encoder writes it."""
    assert (line.to_bytes() if isinstance(line, ParseError) else line) == wire


def test_internaldate() -> None:
    stamp = datetime(2026, 11, 27, 23, 10, 43, tzinfo=UTC)
    assert format_date_time(stamp) == "27-Nov-2026 23:10:43 +0000"
    east = datetime(2024, 1, 5, 9, 0, 0, tzinfo=timezone(timedelta(hours=9)))
    assert format_date_time(east) == "05-Jan-2024 09:00:00 +0900"
    west = datetime(2024, 1, 5, 9, 0, 0, tzinfo=timezone(-timedelta(hours=1, minutes=30)))
    assert format_date_time(west) == "05-Jan-2024 09:00:00 -0130"
    parsed = parse_command(b'a append x "05-Jan-2024 09:00:00 -0130" {1}\r\nx')
    assert parsed.messages[0].date_time == west  # type: ignore[union-attr]


@given(st.binary(max_size=100), st.binary(max_size=100))
def test_strings_round_trip_through_the_parser(user: bytes, password: bytes) -> None:
    """Whatever the encoder writes as a string, the grammar reads back."""
    line = b"a LOGIN " + encode(user) + b" " + encode(password)
    result = parse_command(line)
    try:
        expected = Login("a", user.decode("utf-8"), password.decode("utf-8"))
    except UnicodeDecodeError:
        assert not isinstance(result, Login)
        return
    assert result == expected


@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00\r\n"), max_size=50))
def test_utf8_quoted_round_trip(text: str) -> None:
    """A quoted string carries 8-bit UTF-8 (RFC 6855 §3), as clients send it in LOGIN."""
    quoted = b'"' + text.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    assert parse_command(b"a LOGIN " + quoted + b" x") == Login("a", text, "x")
