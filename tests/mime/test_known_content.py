"""The Content-* values kept read (hato.mime._structure ``_content``): the same parts as
read anew, at their own offsets, and a bound on what is kept whatever the mail."""

from __future__ import annotations

from hato.mime import parse_message
from hato.mime._structure import KNOWN, KNOWN_CHARS, _known_content


def _message(content_type: str, body: bytes = b"hello\r\n") -> bytes:
    head = f"Mime-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n"
    return head.encode() + body


def test_kept_values_give_each_part_its_own_place() -> None:
    _known_content.cache_clear()
    parts = b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\none\r\n"
    parts += b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsecond one\r\n--b--\r\n"
    first, second = parse_message(_message('multipart/mixed; boundary="b"', parts)).root.children
    assert _known_content.cache_info().hits >= 1  # the second part's values were kept
    assert (first.params, second.params) == ((("charset", "utf-8"),),) * 2
    assert first.body_offset < first.body_end < second.header_offset < second.body_offset
    assert (first.size, second.size) == (3, 10)  # each its own body, not the kept one's
    alone = parse_message(_message("text/plain; charset=utf-8", b"x\r\n")).root
    assert (alone.params, alone.size, alone.lines) == ((("charset", "utf-8"),), 3, 1)


def test_at_most_known_sets_are_kept() -> None:
    _known_content.cache_clear()
    for number in range(KNOWN + 50):
        part = parse_message(_message(f"text/plain; x={number}")).root
        assert part.params == (("x", str(number)),)  # right after others pushed it out
    assert _known_content.cache_info().currsize == KNOWN
    assert parse_message(_message("text/plain; x=0")).root.params == (("x", "0"),)


def test_long_values_are_read_every_time() -> None:
    _known_content.cache_clear()
    long = "text/plain; name=" + "a" * KNOWN_CHARS
    for _ in range(2):
        assert parse_message(_message(long)).root.params == (("name", "a" * KNOWN_CHARS),)
    assert _known_content.cache_info().currsize == 0
