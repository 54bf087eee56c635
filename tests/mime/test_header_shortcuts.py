"""The parse's short ways give what the long ways give.

- Address lists of the common shapes (``a@b``, ``Name <a@b>``) are read by one pattern an
  address (``_simple_list``): on any text it answers, its answer is the parser's.
- Header fields are unfolded from the block split into lines at once: what each field's
  lines make is checked against RFC 5322 §2.2.3 unfolding written out here.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hato.mime import fields, parse_addresses
from hato.mime._address import _parsed, _simple_list

_ADDRESS_PIECES = st.sampled_from(
    ["a", "b.c", "Jo", "=?UTF-8?B?5bGx?=", "é", "\u3000", " ", "\t", "\r\n", "@", "<", ">",
     ",", ".", '"', "(", ")", ":", ";", "\\", "[", "]", "x y"]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(_ADDRESS_PIECES, max_size=14).map("".join))
@example("Some Name <some.one@example.org>, other@example.net")
@example("  A  B\t<a@b> , c@d ")
@example("x\u3000y <a@b>")
def test_the_common_shapes_read_as_the_parser_reads_them(text: str) -> None:
    shortcut = _simple_list(text)
    assert shortcut is None or shortcut == _parsed(text)
    assert parse_addresses(text) == _parsed(text)


def test_the_common_shapes_take_the_short_way() -> None:
    assert _simple_list("Some Name <a@b.org>, c@d.org") == (
        ("Some Name", None, "a", "b.org"),
        (None, None, "c", "d.org"),
    )
    assert _simple_list('"Doe, J" <j@x.org>') is None  # a quoted string: the parser's
    assert _simple_list("a@b.org,") is None  # an empty member: the parser's


def _unfolded(block: bytes) -> list[tuple[str, bytes]]:
    """RFC 5322 §2.2.3 as plainly as it reads: lines up to the empty one, a line that
    begins with white space continues the field before it, the value begins after the
    colon and the white space after it."""
    out: list[tuple[str, list[bytes]]] = []
    for line in block.split(b"\n"):
        line = line.removesuffix(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if out:
                out[-1][1].append(line)
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            name, value = line.strip(), b""
        out.append((name.rstrip(b" \t").decode("latin-1").lower(), [value]))
    return [(name, b"".join(lines).lstrip(b" \t")) for name, lines in out]


_LINES = st.sampled_from(
    [b"Subject: a", b"To:b", b"X-Empty:", b"X-Empty:  ", b" folded", b"\tfolded", b"  ",
     b"No colon here", b"From : c", b"", b"\r", b"Date: 1\r", b"\xff: \xfe"]
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(_LINES, max_size=12))
def test_fields_unfold_as_rfc_5322_says(lines: list[bytes]) -> None:
    block = b"\n".join(lines)
    assert fields(block) == _unfolded(block)
