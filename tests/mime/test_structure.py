"""The MIME tree on awkward messages, prefixes, JSON and BODY[section] corner cases."""

from __future__ import annotations

from hato.mime import (
    BodyPart,
    MessageInfo,
    bodystructure_sexp,
    parse_message,
    section_bytes,
)
from tests.mime.imapwire import encode


def _bs(raw: bytes, extended: bool = True) -> bytes:
    return encode(bodystructure_sexp(parse_message(raw), extended))


def _multipart(body: bytes, ctype: bytes = b'multipart/mixed; boundary="b"') -> bytes:
    return b"Mime-Version: 1.0\r\nContent-Type: " + ctype + b"\r\n\r\n" + body


def test_plain_message_defaults() -> None:
    assert _bs(b"Subject: x\r\n\r\nhello\r\n") == (
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL)'
    )


def test_content_fields_need_mime() -> None:
    raw = b"Content-Transfer-Encoding: base64\r\nContent-ID: <x>\r\n\r\naGk=\r\n"
    assert _bs(raw, False) == b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1)'
    raw = b"Mime-Version: 1.0\r\n" + raw
    assert _bs(raw, False) == b'("text" "plain" ("charset" "us-ascii") "<x>" NIL "base64" 6 1)'


def test_all_extension_fields() -> None:
    raw = (
        b'Content-Type: Application/PDF; name*0="a"; name*1="b.pdf"; x="q\\"t"\r\n'
        b"Content-Description: the\r\n doc\r\nContent-MD5: abc=\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''%e2%82%ac.pdf\r\n"
        b"Content-Language: en-GB, de (comment)\r\nContent-Location: http://x/y\r\n"
        b"\r\nbody"
    )
    assert _bs(raw) == (
        b'("application" "pdf" ("x" "q\\"t" "name" "ab.pdf") NIL "the doc" "7bit" 4 '
        b'"abc=" ("attachment" ("filename*" "utf-8\'\'%e2%82%ac.pdf")) ("en-GB" "de") '
        b'"http://x/y")'
    )


def test_multipart_with_preamble_epilogue_and_no_close() -> None:
    raw = _multipart(b"pre\r\n--b\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\ntwo")
    info = parse_message(raw)
    assert [c.subtype for c in info.root.children] == ["plain", "html"]
    assert section_bytes(raw, info, (1,), None) == b"one"
    assert section_bytes(raw, info, (2,), None) == b"two"
    assert section_bytes(raw, info, (2,), "MIME") == b"Content-Type: text/html\r\n\r\n"
    assert section_bytes(raw, info, (3,), None) == b""
    assert _bs(raw, False).endswith(b' "mixed")')


def test_multipart_without_boundary_is_empty() -> None:
    raw = _multipart(b"--b\r\n\r\nx\r\n", b"multipart/mixed")
    empty = b'(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) "mixed")'
    assert _bs(raw, False) == empty


def test_boundary_with_trailing_space_and_prefix_boundaries() -> None:
    inner = b'Content-Type: multipart/alternative; boundary="bb"\r\n\r\n'
    body = (
        b"--b \r\n" + inner + b"--bb\r\n\r\nin1\r\n--bb\r\n\r\nin2\r\n"
        b"--b\r\n\r\nout2\r\n--b--\r\nepilogue\r\n"
    )
    raw = _multipart(body)
    info = parse_message(raw)
    assert len(info.root.children) == 2
    assert len(info.root.children[0].children) == 2
    assert section_bytes(raw, info, (1, 2), None) == b"in2"
    assert section_bytes(raw, info, (2,), None) == b"out2"


def test_outer_delimiter_ends_inner_multipart() -> None:
    inner = b'Content-Type: multipart/mixed; boundary="in"\r\n\r\n--in\r\n\r\nx\r\n'
    raw = _multipart(b"--b\r\n" + inner + b"--b\r\n\r\ny\r\n--b--\r\n")
    info = parse_message(raw)
    assert section_bytes(raw, info, (1, 1), None) == b"x"
    assert section_bytes(raw, info, (2,), None) == b"y"


def test_header_cut_by_delimiter_and_no_blank_line() -> None:
    raw = _multipart(b"--b\r\nContent-Type: text/html\r\n--b\r\nX: y")
    info = parse_message(raw)
    first, second = info.root.children
    assert (first.subtype, first.size) == ("html", 0)
    assert section_bytes(raw, info, (1,), "MIME") == b"Content-Type: text/html"
    assert section_bytes(raw, info, (2,), "MIME") == b"X: y"
    assert second.body_offset == second.body_end == len(raw)


def test_message_without_body_or_header() -> None:
    assert parse_message(b"").root == BodyPart(0, 0, 0)
    info = parse_message(b"Subject: only a header")
    assert info.root.body_offset == info.size
    assert info.envelope.subject == "only a header"
    info = parse_message(b"\r\nbody only\r\n")
    assert (info.root.body_offset, info.root.lines) == (2, 1)


def test_bare_lf_sizes_count_as_crlf() -> None:
    raw = b"Subject: x\n\nline one\nline two\n"
    assert parse_message(raw).root.size == len(b"line one\r\nline two\r\n")
    assert parse_message(raw).root.lines == 2


def test_digest_parts_default_to_message_rfc822() -> None:
    raw = _multipart(
        b"--b\r\n\r\nSubject: inner\r\n\r\nhi\r\n--b\r\nContent-Type: text/plain\r\n\r\nt\r\n--b--",
        b'multipart/digest; boundary="b"',
    )
    info = parse_message(raw)
    digest_child, text_child = info.root.children
    assert (digest_child.type, digest_child.subtype) == ("message", "rfc822")
    assert digest_child.envelope is not None and digest_child.envelope.subject == "inner"
    assert text_child.type == "text"
    assert section_bytes(raw, info, (1,), "HEADER") == b"Subject: inner\r\n\r\n"
    assert section_bytes(raw, info, (1, 1), None) == b"hi"
    assert section_bytes(raw, info, (2,), "HEADER") == b""


def test_header_fields_selection() -> None:
    raw = b"A: 1\r\nSubject: x\r\n y\r\nb: 2\r\nsubject: again\r\n\r\nbody"
    info = parse_message(raw)
    got = section_bytes(raw, info, (), "header.fields", ("SUBJECT",))
    assert got == b"Subject: x\r\n y\r\nsubject: again\r\n\r\n"
    got = section_bytes(raw, info, (), "HEADER.FIELDS.NOT", ("subject", "a"))
    assert got == b"b: 2\r\n\r\n"
    assert section_bytes(raw, info, (), "TEXT") == b"body"
    assert section_bytes(raw, info, (), "MIME") == b""
    assert section_bytes(raw, info, (), None) == raw


def test_a_prefix_shifts_everything_but_the_start() -> None:
    # what the store's readers do: the kept structure decoded behind its trace prefix
    blob = _multipart(b"--b\r\n\r\none\r\n--b--\r\n")
    prefix = b"Return-Path: <a@b>\r\nDelivered-To: c@d\r\n"
    info = MessageInfo.from_json(parse_message(blob).to_json(), len(prefix))
    raw = prefix + blob
    assert info.root == parse_message(raw).root
    assert info.size == len(raw)
    assert section_bytes(raw, info, (1,), None) == b"one"
    assert section_bytes(raw, info, (), "HEADER").startswith(prefix)


def test_json_round_trip_and_compactness() -> None:
    raw = _multipart(
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@b\r\nSubject: s\r\n\r\nx\r\n--b--",
    )
    info = parse_message(b"From: A <a@b>\r\nTo: g: c@d;\r\nSubject: \xc3\xa9 \xff\r\n" + raw)
    text = info.to_json()
    assert MessageInfo.from_json(text) == info
    assert " " not in text.replace("Subject", "").split('"mixed"')[0][:20]
    assert text.isascii()


def test_envelope_of_embedded_message_in_bodystructure() -> None:
    raw = _multipart(
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@b\r\nSubject: s\r\n\r\nx\r\n--b--",
    )
    inner = (
        b'("message" "rfc822" NIL NIL NIL "7bit" 26 '
        b'(NIL "s" ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) '
        b"NIL NIL NIL NIL NIL) "
        b'("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0) 3)'
    )
    assert _bs(raw, False) == b"(" + inner + b' "mixed")'


def test_deep_nesting_and_many_parts_are_bounded() -> None:
    nested = b"Content-Type: message/rfc822\r\n\r\n" * 2000 + b"end"
    info = parse_message(nested)
    assert MessageInfo.from_json(info.to_json()) == info
    assert encode(bodystructure_sexp(info, True)).count(b'"rfc822"') <= 101
    multi = b"".join(
        b'--%d\r\nContent-Type: multipart/mixed; boundary="%d"\r\n\r\n' % (i, i + 1)
        for i in range(2000)
    )
    info = parse_message(b'Content-Type: multipart/mixed; boundary="0"\r\n\r\n' + multi)
    assert MessageInfo.from_json(info.to_json()) == info
    many = parse_message(_multipart(b"--b\r\n\r\n" * 30_000))
    assert len(many.root.children) < 10_001


def test_public_surface() -> None:
    import hato.mime

    api = {"parse_message", "envelope_sexp", "bodystructure_sexp"}
    api |= {"section_bytes", "header_fields", "base_subject", "decode_words", "text_codec"}
    api |= {"is_reply_or_forward"}
    api |= {"fields", "header_end", "parse_addresses"}  # Sieve's header and address tests
    api |= {"crlf_lines"}  # a bare LF given its CR: delivery, import, POP3 output
    api |= {"dot_stuffed", "dot_unstuffed"}  # transparency: POP3 output, SMTP's DATA
    api |= {"MessageInfo", "BodyPart", "Envelope", "HeaderColumns", "Address", "Sexp"}
    api |= {"COLUMN_OF"}  # each HeaderColumns field and the stored column that keeps it
    api |= {"part_text", "transfer_decode"}  # a leaf part's text: SEARCH, lists, the web view
    api |= {"leaf_parts", "attachment_parts", "is_attachment", "part_filename", "body_part"}
    api |= {"snippet"}  # what a message list shows, kept at delivery
    api |= {"binary_section", "without_binary_parts"}  # BINARY (RFC 3516)
    # URLFETCH's BINARY and BODYPARTSTRUCTURE (RFC 5524)
    api |= {"decoded_entity", "binary_header", "find_part", "part_structure_sexp"}
    # internationalized messages for clients without UTF-8 (RFC 6855 §7, RFC 6858)
    api |= {"as_legacy", "downgraded", "has_utf8", "is_internationalized", "may_downgrade"}
    # SEARCH BODY/TEXT's text and comparator, and what the full-text index keeps
    api |= {"decoded_text", "decoded_header", "html_text", "casemap", "storable"}
    api |= {"indexed_text", "index_words", "IndexedText", "PART_BREAK"}
    assert set(hato.mime.__all__) == api
    assert all(hasattr(hato.mime, name) for name in api)


def test_ascii_json_tells_kept_structures_that_hold_only_ascii() -> None:
    plain = parse_message(b"From: A <a@b>\r\nSubject: plain\r\n\r\nx\r\n").to_json()
    utf8 = parse_message("From: Ä <a@b>\r\nSubject: ü\r\n\r\nx\r\n".encode()).to_json()
    eight_bit = parse_message(b"Subject: \xff\r\n\r\nx\r\n").to_json()
    assert MessageInfo.ascii_json(plain)
    assert not MessageInfo.ascii_json(utf8)
    assert not MessageInfo.ascii_json(eight_bit)
    assert MessageInfo.envelope_from_json(utf8) == MessageInfo.from_json(utf8).envelope
