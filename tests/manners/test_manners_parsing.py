"""Reading messages: charsets, encoded words, MIME structure, HTML, malformed input."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hato.manners import MannersSettings, ParseError, lint_message, parse_mail
from hato.manners._decode import UnknownCharsetError, decode_iso2022jp_ms, decode_text
from hato.manners._html import html_to_text


def test_iso2022jp_with_cp932_rows() -> None:
    # ① is row 13 (NEC special), 髙 row 92 (NEC-selected IBM extension) in CP50220.
    data = b"\x1b$B-!\x1b(B 1 \x1b$B|b\x1b(B"
    assert decode_text(data, "ISO-2022-JP") == "① 1 髙"


def test_iso2022jp_halfwidth_kana_escapes() -> None:
    assert decode_iso2022jp_ms(b"\x1b(I12\x1b(B") == "ｱｲ"
    assert decode_iso2022jp_ms(b"\x0e12\x0fA") == "ｱｲA"


def test_plain_iso2022jp_keeps_the_wave_dash() -> None:
    assert decode_text("10時〜12時".encode("iso2022_jp"), "iso-2022-jp") == "10時〜12時"


def test_shift_jis_declared_cp932_content() -> None:
    assert decode_text("①髙".encode("cp932"), "Shift_JIS") == "①髙"


def test_undeclared_8bit_utf8() -> None:
    assert decode_text("山田".encode(), None) == "山田"


def test_undecodable_bytes_are_replaced() -> None:
    assert decode_text(b"\xff\xfe", "utf-8") == "\ufffd\ufffd"


def test_unknown_charset() -> None:
    with pytest.raises(UnknownCharsetError):
        decode_text(b"x", "x-unknown")


def test_encoded_words_in_every_charset() -> None:
    sjis = base64.b64encode("①ﾃｽﾄ".encode("cp932")).decode()
    raw = (
        f"From: a@example.org\r\nSubject: =?Shift_JIS?B?{sjis}?= and =?utf-8?q?caf=C3=A9?=\r\n"
        "\r\nbody\r\n"
    ).encode()
    mail = parse_mail(raw)
    assert mail.subject == "①ﾃｽﾄ and café"
    assert [(w.field, w.charset) for w in mail.words] == [
        ("subject", "shift_jis"),
        ("subject", "utf-8"),
    ]


def test_unknown_charset_in_a_header_is_tolerated() -> None:
    mail = parse_mail(b"Subject: =?x-unknown?q?hi?=\r\n\r\nbody\r\n")
    assert mail.subject == "hi"


def test_raw_utf8_header() -> None:
    assert parse_mail("Subject: 件名\r\n\r\nbody\r\n".encode()).subject == "件名"


def test_folded_subject() -> None:
    assert parse_mail(b"Subject: a\r\n b\r\n\r\n").subject == "a b"


def test_message_ids() -> None:
    mail = parse_mail(
        b"Message-ID: <a@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <c@x>\r\n <b@x>\r\n\r\n"
    )
    assert (mail.message_id, mail.in_reply_to, mail.references) == (
        "<a@x>",
        ("<b@x>",),
        ("<c@x>", "<b@x>"),
    )


def test_attached_message_is_not_entered() -> None:
    raw = (
        b"From: a@example.org\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nDear Bob,\r\n\r\nAlice\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        b"Subject: inner\r\nContent-Type: text/html; charset=shift_jis\r\n\r\n<p>x</p>\r\n"
        b"--b--\r\n"
    )
    assert lint_message(raw, MannersSettings()) == []


def test_html_to_text() -> None:
    html = (
        "<html><head><title>t</title><style>p {}</style></head><body>"
        "<p>山田様</p><div>鈴木です。<br>よろしく&amp;どうぞ</div>"
        "<blockquote type=cite><p>old</p></blockquote><script>x()</script></body></html>"
    )
    assert html_to_text(html).splitlines() == [
        "山田様",
        "",
        "鈴木です。",
        "よろしく&どうぞ",
        "",
        "> old",
    ]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"\x00\x01Subject: x\r\n", "binary"),
        (b"just some text\r\nand more\r\n", "no header fields"),
        (b"Subject: x\r\nContent-Type: text/plain; charset=nope\r\n\r\nbody", "unknown charset"),
    ],
)
def test_unparseable(raw: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_mail(raw)


def nested(depth: int) -> bytes:
    """A message of ``depth`` multiparts, one inside the other."""
    opening = "".join(
        f"Content-Type: multipart/mixed; boundary=b{n}\r\n\r\n--b{n}\r\n" for n in range(depth)
    )
    closing = "".join(f"--b{n}--\r\n" for n in reversed(range(depth)))
    return f"Subject: deep\r\n{opening}Content-Type: text/plain\r\n\r\nleaf\r\n{closing}".encode()


def test_a_mime_tree_a_thousand_deep_is_refused_as_unparseable() -> None:
    # The standard library's parser recurses per level: the stack gives out before it ends.
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_mail(nested(1000))
    assert parse_mail(nested(20)).subject == "deep"


def test_unparseable_mailbox_messages_are_skipped() -> None:
    assert (
        lint_message(b"Subject: s\r\n\r\nDear Bob,\r\n\r\nAlice\r\n", MannersSettings(), [b""])
        == []
    )


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_parse_or_raise_parse_error(raw: bytes) -> None:
    with contextlib.suppress(ParseError):
        lint_message(raw, MannersSettings(), [raw])


HEADER_LINES = st.sampled_from(
    [
        "Subject: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=",
        "From: =?utf-8?q?=E5=B1=B1?= <a@b>",
        "To: undisclosed-recipients:;",
        'To: a@b, <c@d>, "x" <',
        "Cc: @@@",
        "Content-Type: multipart/alternative; boundary=z",
        "Content-Type: text/html; charset=iso-2022-jp",
        "Content-Transfer-Encoding: base64",
        "In-Reply-To: <a@b>",
        "Message-ID: <a@b>",
        "Subject: =?bogus?B?####?=",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(HEADER_LINES, max_size=6), st.text(max_size=200))
def test_header_soup_never_crashes(headers: list[str], body: str) -> None:
    raw = ("\r\n".join(headers) + "\r\n\r\n" + body).encode("utf-8", "surrogatepass")
    with contextlib.suppress(ParseError):
        lint_message(raw, MannersSettings(), [raw])
