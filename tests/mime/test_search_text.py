"""hato.mime._text: the decoded text SEARCH BODY and TEXT match against."""

from __future__ import annotations

import base64
import quopri

import pytest

from hato.mime import MessageInfo, decoded_header, decoded_text, html_text, parse_message


def text_of(raw: bytes, header: bool = False) -> str:
    info = parse_message(raw)
    return "\n".join(decoded_text(raw, info, header=header))


def found(raw: bytes, word: str, header: bool = False) -> bool:
    info = parse_message(raw)
    chunks = decoded_text(raw, info, header=header)
    return any(word.casefold() in chunk.casefold() for chunk in chunks)


def test_base64_utf8() -> None:
    body = base64.encodebytes("Grüße aus Köln, ÇA VA?".encode())
    raw = (
        b"Subject: b64\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + body.replace(b"\n", b"\r\n")
    )
    assert "Grüße aus Köln" in text_of(raw)
    assert found(raw, "KÖLN")
    assert found(raw, "ça va")
    assert not found(raw, "R3L1")  # base64 text itself is not searched


def test_quoted_printable_latin1() -> None:
    body = quopri.encodestring("Le café est très chaud, naïve idée.".encode("latin-1"))
    raw = (
        b"Subject: qp\r\n"
        b'Content-Type: text/plain; Charset="ISO-8859-1"\r\n'
        b"Content-Transfer-Encoding: Quoted-Printable\r\n\r\n" + body + b"\r\n"
    )
    assert found(raw, "café est TRÈS")
    assert found(raw, "naïve idée")
    assert not found(raw, "caf=E9")


def test_quoted_printable_soft_line_break() -> None:
    raw = (
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"hyphen=\r\nated w=C3=B6rd\r\n"
    )
    assert found(raw, "hyphenated wörd")


def test_iso_2022_jp_japanese() -> None:
    body = "こんにちは、世界。日本語のメールです。".encode("iso2022_jp")
    raw = (
        b"Subject: =?ISO-2022-JP?B?"
        + base64.b64encode("件名テスト".encode("iso2022_jp"))
        + b"?=\r\n"
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
        b"Content-Transfer-Encoding: 7bit\r\n\r\n" + body + b"\r\n"
    )
    assert found(raw, "日本語のメール")
    assert not found(raw, "件名テスト")  # BODY: not the header
    assert found(raw, "件名テスト", header=True)  # TEXT: the header's encoded words too
    assert found(raw, "日本語", header=True)


def test_shift_jis_base64() -> None:
    body = base64.b64encode("東京の天気は晴れ".encode("shift_jis"))
    raw = (
        b"Content-Type: text/plain; charset=Shift_JIS\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"\r\n"
    )
    assert found(raw, "天気")


def test_multipart_alternative() -> None:
    plain = base64.b64encode("plain side: Ünïcode".encode())
    html = quopri.encodestring("<p>html side: żółw</p>".encode("iso-8859-2"))
    raw = (
        b"Subject: alt\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
        b"preamble words\r\n"
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + plain + b"\r\n"
        b"--b1\r\nContent-Type: text/html; charset=iso-8859-2\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + html + b"\r\n"
        b"--b1--\r\n"
    )
    assert found(raw, "ünïcode")
    assert found(raw, "ŻÓŁW")
    assert not found(raw, "preamble")
    chunks = list(decoded_text(raw, parse_message(raw)))
    assert len(chunks) == 2


def test_nested_message_rfc822() -> None:
    inner_body = base64.b64encode("inner secret: ñandú".encode())
    inner = (
        b"Subject: =?UTF-8?Q?inner_subj=C3=A9ct?=\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + inner_body + b"\r\n"
    )
    raw = (
        b"Subject: outer\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n'
        b"--zz\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--zz\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--zz--\r\n"
    )
    assert found(raw, "ÑANDÚ")
    assert found(raw, "inner subjéct")  # the embedded header is part of the body
    assert found(raw, "see attached")
    assert not found(raw, "outer")
    assert found(raw, "outer", header=True)


def test_binary_attachment_not_matched() -> None:
    payload = base64.b64encode(b"\x00\x01 needle in a binary haystack \xff")
    raw = (
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="q"\r\n\r\n'
        b"--q\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        b"--q\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + payload + b"\r\n"
        b"--q\r\nContent-Type: image/png\r\n\r\nneedle raw\r\n"
        b"--q--\r\n"
    )
    assert found(raw, "hello")
    assert not found(raw, "needle")
    assert not found(raw, base64.b64encode(b"\x00\x01 needle").decode()[:8])


def test_plain_message_without_mime_headers() -> None:
    raw = b"Subject: hi\r\n\r\nJust TEXT, 8-bit: caf\xc3\xa9\r\n"
    assert found(raw, "just text")
    assert found(raw, "café")
    assert not found(raw, "hi")
    assert found(raw, "HI", header=True)


def test_undeclared_8bit_latin1_falls_back() -> None:
    raw = b"Subject: hi\r\n\r\nun caf\xe9 cr\xe8me\r\n"
    assert found(raw, "CAFÉ CRÈME")
    raw = b"Content-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9\r\n"
    assert found(raw, "caf\ufffd")  # declared UTF-8 stays UTF-8, with replacements


def test_unknown_charset_and_broken_base64_do_not_raise() -> None:
    raw = (
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"aGVsbG8gd29y!!bGQ\r\n"
    )
    assert found(raw, "hello wor")
    raw = b"Content-Type: text/plain; charset=base64\r\n\r\nstill text\r\n"
    assert found(raw, "still text")


def test_prefixed_message_offsets() -> None:
    raw = b"Subject: =?utf-8?B?w6l0w6k=?=\r\n\r\nbody here\r\n"
    prefix = b"Return-Path: <a@b.example>\r\n"
    info = MessageInfo.from_json(parse_message(raw).to_json(), len(prefix))
    chunks = list(decoded_text(prefix + raw, info, header=True))
    assert "été" in chunks[0] and "Return-Path" in chunks[0]
    assert chunks[1:] == ["body here\r\n"]


def test_decoded_header_unfolds() -> None:
    header = b"Subject: a long\r\n subject =?utf-8?Q?w=C3=B6rd?=\r\n =?utf-8?Q?s?=\r\n\r\n"
    assert "a long subject wörds" in decoded_header(header)


def test_html_is_reduced_to_its_text() -> None:
    markup = (
        "<html><head><style>p { color: red }</style><script>var hidden = 1;</script></head>"
        "<body><!-- a comment --><p>AT&amp;T &lt;tag&gt; caf&eacute;</p><div>one</div>"
        "<div>two</div><b>bo</b>ld<SCRIPT type=x>also hidden</SCRIPT></body></html>"
    )
    text = html_text(markup)
    assert "AT&T <tag> café" in text
    assert "bold" in text  # inline tags join what they split
    assert "onetwo" not in text  # a block ends a line
    for hidden in ("color", "hidden", "comment", "<p>", "&amp;", "html"):
        assert hidden not in text


def test_html_parts_are_searched_as_text() -> None:
    raw = (
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <b>W</b>orld &amp; friends</p>\r\n"
    )
    assert found(raw, "hello world & friends")
    assert not found(raw, "<b>")


@pytest.mark.timeout(20)
@pytest.mark.parametrize("markup", ["<!--" * 200_000, "<" * 1_000_000, "<script>" * 100_000])
def test_hostile_markup_is_reduced_in_linear_time(markup: str) -> None:
    html_text(markup + "tail")
