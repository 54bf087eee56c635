"""ImapReader: bytes in, events out (literals, limits, modes, resynchronisation)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hato.proto.imap import (
    Append,
    ContinuationNeeded,
    Event,
    IdleDone,
    ImapReader,
    Login,
    Noop,
    ParseError,
    SaslResponse,
)
from hato.proto.imap._reader import MAX_ARGUMENTS


def events(reader: ImapReader, data: bytes = b"") -> list[Event]:
    reader.receive_data(data)
    found = []
    while (event := reader.next_event()) is not None:
        found.append(event)
    return found


def test_needs_more_data_until_crlf() -> None:
    reader = ImapReader()
    assert events(reader, b"A1 NO") == []
    assert events(reader, b"OP\r") == []
    assert events(reader, b"\n") == [Noop("A1")]


def test_bare_lf_and_blank_lines() -> None:
    assert events(ImapReader(), b"\r\n\n  \r\nA1 NOOP\n") == [Noop("A1")]


def test_pipelined_commands_in_one_chunk() -> None:
    data = b"A1 NOOP\r\nA2 LOGIN a b\r\nA3 FROB\r\nA4 NOOP\r\n"
    found = events(ImapReader(), data)
    assert found[0] == Noop("A1")
    assert found[1] == Login("A2", "a", "b")
    assert isinstance(found[2], ParseError) and found[2].tag == "A3"
    assert found[3] == Noop("A4")


def test_synchronizing_literal_asks_for_continuation() -> None:
    reader = ImapReader()
    assert events(reader, b"A1 LOGIN {4}\r\n") == [ContinuationNeeded("A1", 4)]
    assert events(reader, b"us") == []
    assert events(reader, b"er {4}\r\n") == [ContinuationNeeded("A1", 4)]
    assert events(reader, b"pa\r\n\r\n") == [Login("A1", "user", "pa\r\n")]


def test_literal_plus_needs_no_continuation() -> None:
    found = events(ImapReader(), b"A1 LOGIN {4+}\r\nuser {2+}\r\n\x01\x02\r\n")
    assert found == [Login("A1", "user", "\x01\x02")]


def test_literal8_in_append() -> None:
    found = events(ImapReader(), b"A1 APPEND INBOX ~{3+}\r\na\x00b\r\n")
    assert isinstance(found[0], Append)
    assert found[0].messages[0].data == b"a\x00b"
    assert found[0].messages[0].binary


def test_oversized_sync_literal_refused_before_sending() -> None:
    reader = ImapReader(max_literal=10)
    found = events(reader, b"A1 APPEND INBOX {11}\r\nA2 NOOP\r\n")
    assert found == [ParseError("A1", "NO", "Literal size too large.", "TOOBIG"), Noop("A2")]
    assert found[0].to_bytes() == b"A1 NO [TOOBIG] Literal size too large.\r\n"  # type: ignore[union-attr]


def test_oversized_nonsync_literal_read_and_discarded() -> None:
    reader = ImapReader(max_literal=10)
    data = b"A1 APPEND INBOX {20+}\r\n" + b"x" * 20 + b" {3+}\r\nabc\r\nA2 NOOP\r\n"
    found = events(reader, data[:30])
    assert len(found) == 1 and isinstance(found[0], ParseError)
    assert found[0].to_bytes() == (
        b"A1 BAD [TOOBIG] Error in IMAP command APPEND: Literal size too large.\r\n"
    )
    assert events(reader, data[30:]) == [Noop("A2")]


def test_overlong_line_is_bad_and_resynchronised() -> None:
    reader = ImapReader(max_line=100)
    found = events(reader, b"A1 LOGIN " + b"x" * 300)
    assert len(found) == 1 and isinstance(found[0], ParseError)
    assert found[0].tag == "A1" and "too large" in found[0].text
    assert events(reader, b"y" * 300) == []
    assert events(reader, b"zz\r\nA2 NOOP\r\n") == [Noop("A2")]


def test_overlong_line_without_tag_is_untagged() -> None:
    found = events(ImapReader(max_line=10), b"(((((((((((((((((((")
    assert isinstance(found[0], ParseError)
    assert found[0].to_bytes().startswith(b"* BAD ")


def test_overlong_complete_line() -> None:
    reader = ImapReader(max_line=20)
    found = events(reader, b"A1 NOOP" + b" " * 30 + b"\r\nA2 NOOP\r\n")
    assert isinstance(found[0], ParseError) and found[1] == Noop("A2")


def test_sasl_mode_takes_one_raw_line() -> None:
    reader = ImapReader()
    assert isinstance(events(reader, b"A1 AUTHENTICATE PLAIN\r\n")[0], object)
    reader.expect_sasl_response()
    found = events(reader, b"AGEAYg==\r\n*\r\n")
    assert found[0] == SaslResponse(b"AGEAYg==") and not found[0].cancelled
    assert isinstance(found[1], ParseError)  # back to commands: "*" is no tag
    reader.expect_sasl_response()
    cancel = events(reader, b"*\r\n")[0]
    assert isinstance(cancel, SaslResponse) and cancel.cancelled


def test_idle_done() -> None:
    reader = ImapReader()
    events(reader, b"A1 IDLE\r\n")
    reader.expect_idle_done()
    assert events(reader, b"done\r\nA2 NOOP\r\n") == [IdleDone(True), Noop("A2")]
    reader.expect_idle_done()
    assert events(reader, b"A3 NOOP\r\n") == [IdleDone(False)]


def test_overlong_sasl_response_or_idle_line_ends_its_mode() -> None:
    for expect in (ImapReader.expect_sasl_response, ImapReader.expect_idle_done):
        reader = ImapReader(max_line=100)
        expect(reader)
        found = events(reader, b"x" * 300)
        assert len(found) == 1 and isinstance(found[0], ParseError)
        assert events(reader, b"x\r\nA2 NOOP\r\n") == [Noop("A2")]


def test_in_command_while_literal_pending() -> None:
    reader = ImapReader()
    events(reader, b"A1 LOGIN {3}\r\n")
    assert reader.in_command
    events(reader, b"abc x\r\n")
    assert not reader.in_command


@settings(max_examples=300)
@given(st.binary(max_size=300), st.lists(st.integers(1, 40), max_size=5))
def test_arbitrary_bytes_never_raise_and_resynchronise(junk: bytes, cuts: list[int]) -> None:
    reader = ImapReader(max_line=64, max_literal=32)
    data = junk + b"\r\nZ9 NOOP\r\n"
    # whatever the junk was, after its line (and any literal it announced) a
    # fresh command is understood; feed the bytes in arbitrary pieces.
    chunks, pos = [], 0
    for cut in cuts:
        chunks.append(data[pos : pos + cut])
        pos += cut
    chunks.append(data[pos:])
    seen: list[Event] = []
    for chunk in chunks:
        seen.extend(events(reader, chunk))
    # a literal announced by the junk may swallow our NOOP; send enough to end it
    for _ in range(3):
        if Noop("Z9") in seen:
            break
        seen.extend(events(reader, b"\r\n" + b"x" * 40 + b"\r\nZ9 NOOP\r\n"))
    assert Noop("Z9") in seen


def test_command_size_cap_counts_all_literals() -> None:
    reader = ImapReader(max_literal=10, max_command=25)
    found = events(reader, b"A1 APPEND x {10+}\r\n0123456789 {10}\r\n")
    assert isinstance(found[0], ParseError) and found[0].code == "TOOBIG"
    assert events(reader, b"A2 NOOP\r\n") == [Noop("A2")]


def test_bad_command_wording() -> None:
    error = ParseError.bad_command("A13", "FETCH", "Invalid messageset")
    assert error.to_bytes() == b"A13 BAD Error in IMAP command FETCH: Invalid messageset\r\n"


def test_replace_carries_a_message_as_append_does() -> None:
    """RFC 8508 §3: REPLACE's literal is a message, held to max_command, not to the
    bound on other commands' arguments."""
    reader = ImapReader(max_literal=2 * MAX_ARGUMENTS, max_command=2 * MAX_ARGUMENTS)
    size = MAX_ARGUMENTS + 1
    found = events(reader, b"A1 UID REPLACE 7 Drafts {%d+}\r\n" % size + b"x" * size + b"\r\n")
    assert [type(event).__name__ for event in found] == ["Replace"]
    refused = events(reader, b"A2 NOOP {%d+}\r\n" % size)
    assert isinstance(refused[0], ParseError) and refused[0].code == "TOOBIG"
