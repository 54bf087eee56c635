"""Answers kept for the header values mail repeats (hato.mime._known): a part's Content-*
values, an address field's reading and columns. Each parse must answer as a fresh one
would, at its own offsets, and what is kept has a bound whatever the mail."""

from __future__ import annotations

from hato.mime import parse_message
from hato.mime._columns import _address_columns
from hato.mime._envelope import _known_addresses
from hato.mime._known import KNOWN, KNOWN_CHARS, Known
from hato.mime._structure import _known_content


def _message(content_type: str, body: bytes = b"hello\r\n", head: str = "") -> bytes:
    fields = f"{head}Mime-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n"
    return fields.encode() + body


def test_at_most_known_answers_are_kept() -> None:
    calls: list[str] = []
    upper = Known(lambda key: calls.append(key) or key.upper(), len)
    for number in range(KNOWN + 50):
        assert upper(f"k{number}") == f"K{number}"
    assert upper.kept.cache_info().currsize == KNOWN
    assert upper("k0") == "K0"  # pushed out long ago: worked out again
    assert upper(f"k{KNOWN + 49}") == f"K{KNOWN + 49}"  # kept: not
    assert calls.count("k0") == 2 and calls.count(f"k{KNOWN + 49}") == 1


def test_long_keys_are_worked_out_every_time() -> None:
    calls: list[str] = []
    upper = Known(lambda key: calls.append(key) or key.upper(), len)
    long = "a" * (KNOWN_CHARS + 1)
    assert upper(long) == upper(long) == long.upper()
    assert (len(calls), upper.kept.cache_info().currsize) == (2, 0)


def test_kept_content_gives_each_part_its_own_place() -> None:
    _known_content.kept.cache_clear()
    parts = b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\none\r\n"
    parts += b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsecond one\r\n--b--\r\n"
    first, second = parse_message(_message('multipart/mixed; boundary="b"', parts)).root.children
    assert _known_content.kept.cache_info().hits >= 1  # the second part's values were kept
    assert (first.params, second.params) == ((("charset", "utf-8"),),) * 2
    assert first.body_offset < first.body_end < second.header_offset < second.body_offset
    assert (first.size, second.size) == (3, 10)  # each its own body, not the kept one's
    alone = parse_message(_message("text/plain; charset=utf-8", b"x\r\n")).root
    assert (alone.params, alone.size, alone.lines) == ((("charset", "utf-8"),), 3, 1)


def test_kept_addresses_give_the_same_envelope_and_columns() -> None:
    _known_addresses.kept.cache_clear()
    _address_columns.kept.cache_clear()
    head = "From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\r\nTo: b@example.net\r\n"
    infos = [parse_message(_message("text/plain", head=head)) for _ in range(2)]
    assert _known_addresses.kept.cache_info().hits >= 2  # From and To, the second time
    assert _address_columns.kept.cache_info().hits >= 2
    assert infos[0] == infos[1]
    envelope, columns = infos[1].envelope, infos[1].columns
    assert envelope.from_ == (("=?utf-8?q?J=C3=BCrgen?=", None, "j", "example.org"),)
    assert columns.from_ == "Jürgen <j@example.org>"
    assert (columns.sort_from, columns.sort_display_from) == ("J", "JU\u0308RGEN")
    assert (columns.to, columns.sort_to, columns.sort_display_to) == (
        "b@example.net",
        "B",
        "B@EXAMPLE.NET",
    )


def test_only_the_fields_read_make_the_key() -> None:
    # another Content-... field (its name as long as a line, say) is not read, so it is
    # not in the key: it can neither make the kept key large nor keep two the same apart
    _known_content.kept.cache_clear()
    for number in range(2):
        head = f"Content-{'x' * 5000}: {number}\r\n"
        part = parse_message(_message("text/plain; charset=utf-8", head=head)).root
        assert part.params == (("charset", "utf-8"),)
    assert _known_content.kept.cache_info().hits == 1
    assert _known_content.kept.cache_info().currsize == 1
