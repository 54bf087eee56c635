"""hato.mime crlf_lines: every bare LF gets its CR; nothing else changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hato.mime import crlf_lines, dot_stuffed, dot_unstuffed


def _reference(content: bytes) -> bytes:
    """The rule spelled out, byte by byte: an LF not after a CR becomes CR LF."""
    out = bytearray()
    for at, byte in enumerate(content):
        if byte == 0x0A and (at == 0 or content[at - 1] != 0x0D):
            out += b"\r"
        out.append(byte)
    return bytes(out)


def test_mixed_line_ends() -> None:
    assert crlf_lines(b"a\nb\r\nc\rd\n") == b"a\r\nb\r\nc\rd\r\n"
    assert crlf_lines(b"\n\n") == b"\r\n\r\n"
    assert crlf_lines(b"\r\r\n") == b"\r\r\n"


def test_crlf_mail_comes_back_as_it_is() -> None:
    content = b"Subject: x\r\n\r\nbody\r\n"
    assert crlf_lines(content) is content


@given(st.lists(st.sampled_from([b"a", b"\r", b"\n", b"\r\n", b"\n\r"]), max_size=40))
def test_as_the_rule_says(pieces: list[bytes]) -> None:
    content = b"".join(pieces)
    assert crlf_lines(content) == _reference(content)


@given(st.lists(st.sampled_from([b"a", b"\n", b"\n\n", b".\n"]), max_size=40))
def test_a_file_without_any_cr_as_the_rule_says(pieces: list[bytes]) -> None:
    """A Maildir's or mbox's file (LF lines only) takes the short way: the same answer."""
    content = b"".join(pieces)
    assert crlf_lines(content) == _reference(content)


def _stuffed_reference(content: bytes) -> bytes:
    """RFC 5321 §4.5.2 spelled out, line by line: a period before each line that has one."""
    lines = content.split(b"\r\n")
    return b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)


@given(st.lists(st.sampled_from([b"a", b".", b"..", b"\r\n", b"\r", b"\n"]), max_size=40))
def test_dot_stuffing_as_the_rule_says_and_undone(pieces: list[bytes]) -> None:
    content = b"".join(pieces)
    assert dot_stuffed(content) == _stuffed_reference(content)
    assert dot_unstuffed(dot_stuffed(content)) == content


def test_dot_stuffing_of_the_first_line_and_of_a_lone_period() -> None:
    assert dot_stuffed(b".x\r\n.\r\n..\r\nx.\r\n") == b"..x\r\n..\r\n...\r\nx.\r\n"
    assert dot_unstuffed(b"..x\r\n..\r\n...\r\nx.\r\n") == b".x\r\n.\r\n..\r\nx.\r\n"
