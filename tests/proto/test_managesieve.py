"""The ManageSieve reader and encoder (RFC 5804 §4), bytes only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hato.proto.managesieve import (
    MAX_LINE,
    BadCommand,
    Command,
    CommandReader,
    response,
    script_line,
    string,
)


def commands(data: bytes, max_literal: int = 1000) -> list[Command | BadCommand]:
    reader = CommandReader(max_literal)
    reader.feed(data)
    out = []
    while (command := reader.next()) is not None:
        out.append(command)
    return out


def test_atoms_quoted_strings_and_both_literals() -> None:
    got = commands(
        b'putscript "a \\"b\\" \\\\" {5+}\r\nkeep;\r\n'
        b'HAVESPACE "x" 100\r\nCHECKSCRIPT {3}\r\nab\n\r\n'
    )
    assert got == [
        Command("PUTSCRIPT", (b'a "b" \\', b"keep;")),
        Command("HAVESPACE", (b"x", b"100")),
        Command("CHECKSCRIPT", (b"ab\n",)),
    ]


def test_a_command_may_arrive_one_byte_at_a_time() -> None:
    reader = CommandReader(100)
    out = []
    for byte in b'PUTSCRIPT "s" {4+}\r\nstop\r\nLOGOUT\r\n':
        reader.feed(bytes([byte]))
        if (command := reader.next()) is not None:
            out.append(command)
    assert out == [Command("PUTSCRIPT", (b"s", b"stop")), Command("LOGOUT", ())]


def test_bad_lines_are_answered_and_the_next_command_is_read() -> None:
    got = commands(
        b'NOOP "unterminated\r\n'
        b'NOOP "bad \\n escape"\r\n'
        b"123 x\r\n"
        b"NOOP a b c d e\r\n"
        b"NOOP x{3}y\r\n"
        b"\r\n"
        b"LOGOUT\r\n"
    )
    assert [type(c) for c in got] == [BadCommand] * 5 + [Command]
    assert got[-1] == Command("LOGOUT", ())


def test_a_literal_over_the_limit_is_dropped_unread() -> None:
    got = commands(b'PUTSCRIPT "s" {2000+}\r\n' + b"x" * 2000 + b"\r\nLOGOUT\r\n", 1000)
    assert isinstance(got[0], BadCommand) and "1000" in got[0].reason
    assert got[1:] == [Command("LOGOUT", ())]


def test_a_line_over_the_limit_is_dropped() -> None:
    reader = CommandReader(100)
    reader.feed(b"NOOP " + b"a" * (MAX_LINE * 3))
    assert reader.next() is None
    reader.feed(b"a" * 100 + b"\r\nLOGOUT\r\n")
    assert isinstance(reader.next(), BadCommand)
    assert reader.next() == Command("LOGOUT", ())


def test_sasl_response_lines_have_no_command_name() -> None:
    reader = CommandReader(100)
    reader.feed(b'"AGFsaWNl"\r\n')
    assert reader.next(expect_name=False) == Command("", (b"AGFsaWNl",))


def test_encoder() -> None:
    assert string('say "hi"') == b'"say \\"hi\\""'
    assert string("two\r\nlines") == b"{10}\r\ntwo\r\nlines"
    assert response("NO", "gone", "NONEXISTENT") == b'NO (NONEXISTENT) "gone"\r\n'
    assert script_line("main", True) == b'"main" ACTIVE\r\n'


@given(st.binary(max_size=300))
def test_any_bytes_give_commands_or_bad_commands(data: bytes) -> None:
    for command in commands(data, 50):
        assert isinstance(command, Command | BadCommand)
        if isinstance(command, Command):
            assert len(command.arguments) <= 4


@given(st.binary(max_size=200))
def test_strings_round_trip(value: bytes) -> None:
    assert commands(b"NOOP " + string(value) + b"\r\n", 1000) == [Command("NOOP", (value,))]
