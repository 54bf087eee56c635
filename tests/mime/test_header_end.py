"""hato.mime header_end: the blank line that ends a header block, LF or CRLF."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hato.mime import header_end


def _reference(raw: bytes, start: int, end: int) -> int:
    """The rule spelled out: just past the first empty line (LF LF or LF CR LF) at or
    after ``start``, or a block that is empty from the start; else ``end``."""
    if raw.startswith(b"\n", start):
        return start + 1
    if raw.startswith(b"\r\n", start) and start + 2 <= end:
        return start + 2
    found = [
        at + len(blank)
        for at in range(start, end)
        for blank in (b"\n\n", b"\n\r\n")
        if raw.startswith(blank, at) and at + len(blank) <= end
    ]
    return min(found) if found else end


def test_crlf_and_lf_blank_lines() -> None:
    assert header_end(b"A: b\r\n\r\nbody\n\nmore", 0, 19) == 8
    assert header_end(b"A: b\n\nbody\r\n\r\n", 0, 14) == 6
    assert header_end(b"A: b\n\n\r\nbody", 0, 12) == 6  # LF LF before the LF CR LF
    assert header_end(b"A: b\r\nB: c", 0, 10) == 10  # no body


@given(st.binary(max_size=40).map(lambda b: bytes(b"a\r\n"[x % 3] for x in b)), st.data())
def test_as_the_rule_says(raw: bytes, data: st.DataObject) -> None:
    end = data.draw(st.integers(0, len(raw)))
    start = data.draw(st.integers(0, end))
    assert header_end(raw, start, end) == _reference(raw, start, end)
