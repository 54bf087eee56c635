"""hato.web.view: a message as a person reads it, from hostile and Japanese mail."""

from __future__ import annotations

import time

import pytest

from hato.mime import BodyPart, parse_message
from hato.web.view import attachment_data, content_type, message_view, safe_filename
from tests.web.messages import deep_mime, japanese, plain, with_attachment


def view_of(raw: bytes):  # type: ignore[no-untyped-def]
    return message_view(raw, parse_message(raw))


@pytest.mark.parametrize("charset", ["iso-2022-jp", "shift_jis", "euc-jp", "utf-8"])
def test_japanese_in_any_charset(charset: str) -> None:
    raw = japanese(
        charset, "会議の資料", "来週の講義では電子メールの仕組みを説明します。", "資料.pdf"
    )
    view = view_of(raw)
    assert view.heading.subject == "会議の資料"
    assert view.heading.from_[0].name == "山田太郎"
    assert view.heading.from_[0].address == "yamada@example.jp"
    assert view.text is not None and "電子メールの仕組み" in view.text
    [attached] = view.attachments
    assert attached.filename == "資料.pdf"
    found = attachment_data(raw, parse_message(raw), attached.section)
    assert found is not None and found[1] == b"\x00\x01data"


def test_rfc2231_file_name() -> None:
    raw = (
        b"From: a@example.org\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
        b"Content-Type: text/plain\r\n\r\nhi\r\n--x\r\n"
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''%E8%B3%87%E6%96%99.pdf\r\n"
        b"\r\nPDF\r\n--x--\r\n"
    )
    assert [a.filename for a in view_of(raw).attachments] == ["資料.pdf"]


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("..", "part-2.bin"),
        ("a\x00b\x1b[31mc\u202etxt.exe", "ab[31mctxt.exe"),
        ("\r\n", "part-2.bin"),
        (".hidden", "hidden"),
    ],
)
def test_file_names_are_sanitised(hostile: str, expected: str) -> None:
    assert safe_filename(hostile, "part-2.bin") == expected


def test_a_path_in_an_attachment_name_is_cut() -> None:
    raw = with_attachment("x", "../../../etc/passwd", b"root")
    [attached] = view_of(raw).attachments
    assert attached.filename == "passwd"
    assert attached.content_type == "application/pdf"


def test_a_megabyte_header_is_bounded() -> None:
    raw = b"Subject: " + b"A" * 1_000_000 + b"\r\nX-Junk: " + b"=?utf-8?q?x?= " * 70_000
    raw += b"\r\nFrom: a@example.org\r\n\r\nbody\r\n"
    started = time.monotonic()
    view = view_of(raw)
    assert len(view.heading.subject) <= 4096
    assert all(len(value) <= 4096 for _, value in view.headers)
    assert view.text == "body\r\n"
    assert time.monotonic() - started < 30  # generous: it takes milliseconds


def test_a_thousand_levels_of_mime_are_bounded() -> None:
    raw = deep_mime(1000)
    view = view_of(raw)
    depth, part = 0, view.tree
    while part.children:
        depth, part = depth + 1, part.children[0]
    assert 0 < depth <= 101


def test_scripts_and_controls_in_headers_stay_text() -> None:
    raw = plain("<script>alert(1)</script>\x07", "hello", sender='"<img src=x>" <a@example.org>')
    view = view_of(raw)
    assert view.heading.subject == "<script>alert(1)</script> "
    assert view.heading.from_[0].name == "<img src=x>"


def test_content_type_that_is_no_token_is_octet_stream() -> None:
    assert content_type(BodyPart(0, 0, 0, type="text", subtype='html"><script>')) == (
        "application/octet-stream"
    )
    assert content_type(BodyPart(0, 0, 0, type="image", subtype="png")) == "image/png"


def test_unknown_part_is_not_found() -> None:
    raw = plain("x", "y")
    info = parse_message(raw)
    assert attachment_data(raw, info, "9") is None
    assert attachment_data(raw, info, "../1") is None
    assert attachment_data(raw, info, "1") is not None
