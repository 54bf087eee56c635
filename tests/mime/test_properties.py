"""Property tests: any bytes parse, and the result is self-consistent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hato.mime import (
    BodyPart,
    MessageInfo,
    bodystructure_sexp,
    crlf_lines,
    envelope_sexp,
    header_fields,
    parse_message,
    section_bytes,
)
from hato.mime._lines import BARE_LF
from hato.mime._structure import _measure
from tests.mime.imapwire import encode

# Lines built from MIME-ish pieces find far more corners than uniform random bytes.
_PIECES = [
    b"--b",
    b"--b--",
    b"--c",
    b"--",
    b"",
    b" ",
    b"Content-Type: multipart/mixed; boundary=b",
    b"Content-Type: multipart/digest; boundary=c",
    b"Content-Type: message/rfc822",
    b"Content-Type: text/plain; charset*0*=utf-8''%41; charset*1=b",
    b'Content-Type: multipart/alternative; boundary=""',
    b'Content-Disposition: attachment; filename="x\\',
    b"Mime-Version: 1.0",
    b'From: a (b <c@d>, "e" <@f,@g:h@i>, j: k@l;, <>, m',
    b'To: =?utf-8?q?x?= <y@z>, ;:<>@,"',
    b"Subject: Re: [fwd: x] (fwd)",
    b"Date: Thu, 15 Feb 2007 01:02:03 +0200",
    b" folded",
    b"\tfolded",
    b"body \xff\x00",
    b"=?utf-8?b?w6k=?=",
]
_LINE_ENDS = [b"\r\n", b"\n", b"\r", b""]
mime_like = st.lists(
    st.tuples(st.sampled_from(_PIECES), st.sampled_from(_LINE_ENDS)).map(b"".join),
    max_size=40,
).map(b"".join)
any_bytes = st.one_of(st.binary(max_size=400), mime_like)


def _parts(part: BodyPart) -> list[BodyPart]:
    found = [part]
    for child in part.children:
        found += _parts(child)
    return found


def _check_offsets(info: MessageInfo) -> None:
    for part in _parts(info.root):
        assert 0 <= part.header_offset <= part.body_offset <= part.body_end <= info.size
        assert part.size >= part.body_end - part.body_offset
        for child in part.children:
            assert part.body_offset <= child.header_offset
            assert child.body_end <= part.body_end
        if part.is_message and part.children:
            assert part.envelope is not None


@settings(max_examples=400, deadline=None)
@given(any_bytes)
def test_anything_parses_consistently(raw: bytes) -> None:
    info = parse_message(raw)
    assert info.size == len(raw)
    assert info.root.body_end == len(raw)
    _check_offsets(info)
    assert MessageInfo.from_json(info.to_json()) == info
    encode(envelope_sexp(info.envelope))
    encode(bodystructure_sexp(info, True))
    encode(bodystructure_sexp(info, False))


_SPECS = [None, "HEADER", "TEXT", "MIME", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "bogus"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), any_bytes)
def test_the_whole_messages_header_ends_where_the_parse_says(prefix: bytes, blob: bytes) -> None:
    # FETCH cuts BODY[HEADER...] and BODY[TEXT] of the whole message without its kept
    # structure: they must be the octets the structure (moved behind the trace prefix,
    # as the store keeps it) gives
    lines = enumerate(prefix.split(b"\n"))
    prefix = b"".join(b"X-Trace-%d: %s\r\n" % (i, line.hex().encode()) for i, line in lines)
    raw = prefix + blob
    root = MessageInfo.from_json(parse_message(blob).to_json(), len(prefix)).root
    header, text = raw[: root.body_offset], raw[root.body_offset : root.body_end]
    names = ("subject", "X-TRACE-0", "from")
    assert section_bytes(raw, None, (), "HEADER") == header
    assert section_bytes(raw, None, (), "TEXT") == text
    assert section_bytes(raw, None, (), "HEADER.FIELDS", names) == header_fields(header, names)
    not_names = header_fields(header, names, exclude=True)
    assert section_bytes(raw, None, (), "HEADER.FIELDS.NOT", names) == not_names


@settings(max_examples=200, deadline=None)
@given(any_bytes, st.lists(st.integers(0, 4), max_size=4), st.sampled_from(_SPECS))
def test_sections_never_fail(raw: bytes, path: list[int], spec: str | None) -> None:
    info = parse_message(raw)
    got = section_bytes(raw, info, tuple(path), spec, ("subject", "FROM"))
    assert isinstance(got, bytes)
    if spec is None and path:
        assert got in raw


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80), any_bytes)
def test_prefix_equals_parsing_the_whole(prefix: bytes, blob: bytes) -> None:
    # A trace prefix is complete header lines, so the blob's header simply grows.
    lines = enumerate(prefix.split(b"\n"))
    prefix = b"".join(b"X-Trace-%d: %s\r\n" % (i, line.hex().encode()) for i, line in lines)
    if blob.startswith((b"\r\n", b"\n", b" ", b"\t")):
        return  # the blob has no header of its own, so it would not join the prefix's
    whole = parse_message(prefix + blob)
    shifted = MessageInfo.from_json(parse_message(blob).to_json(), len(prefix))
    assert shifted.size == whole.size
    assert shifted.root.header_offset == 0
    assert _parts(shifted.root) == _parts(whole.root)


@settings(max_examples=400, deadline=None)
@given(any_bytes, st.data())
def test_sizes_and_lines_as_counted_octet_by_octet(raw: bytes, data: st.DataObject) -> None:
    # a message without a bare LF has its lines counted by its CRLFs (_structure._measure):
    # every stretch's size and lines must be what counting each LF gives, wherever the
    # stretch begins (on the LF of a CRLF, say), and so must every part's
    if data.draw(st.booleans()):
        raw = crlf_lines(raw)
    crlf = BARE_LF.search(raw) is None
    start = data.draw(st.integers(0, len(raw)))
    end = data.draw(st.integers(start, len(raw)))
    stretch = raw[start:end]
    lines = stretch.count(b"\n")
    counted = (len(stretch) + lines - stretch.count(b"\r\n"), lines)
    assert _measure(raw, start, end, crlf) == counted
    for part in _parts(parse_message(raw).root):
        body = raw[part.body_offset : part.body_end]
        lines = body.count(b"\n")
        assert (part.size, part.lines) == (len(body) + lines - body.count(b"\r\n"), lines)
