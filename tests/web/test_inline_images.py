"""cid: URLs (RFC 2392) of an HTML part made data: URLs of the message's own images."""

from __future__ import annotations

import base64

import pytest

from hato.mime import parse_message
from hato.web import pages
from hato.web.view import inline_images

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def related(*parts: str) -> bytes:
    body = "".join(f"--b\r\n{part}\r\n" for part in parts)
    return (
        'Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n'
        f"\r\n{body}--b--\r\n"
    ).encode()


def image(content_id: str, kind: str = "image/png") -> str:
    encoded = base64.encodebytes(PNG).decode()
    return (
        f"Content-Type: {kind}\r\nContent-ID: <{content_id}>\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}"
    )


def test_the_message_s_images_are_found_by_content_id() -> None:
    raw = related(
        "Content-Type: text/html\r\n\r\n<p>", image("logo@x"), image("s@x", "image/svg+xml")
    )
    assert inline_images(raw, parse_message(raw)) == {"logo@x": ("image/png", PNG)}


def test_cid_urls_of_known_images_become_data_urls() -> None:
    images = {"logo@x": ("image/png", PNG), "a b": ("image/png", PNG)}
    html = '<img src="cid:logo@x"><img src=CID:a%20b><div style="background:url(cid:gone)">'
    assert pages.with_inline_images(html, images) == (
        f'<img src="{PNG_URL}"><img src={PNG_URL}><div style="background:url(cid:gone)">'
    )


def test_an_image_named_again_and_again_stops_at_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pages, "INLINE_LIMIT", 3 * len(PNG_URL))
    shown = pages.with_inline_images('<img src="cid:i">' * 1000, {"i": ("image/png", PNG)})
    assert shown.count(PNG_URL) == 3
    assert shown.count("cid:i") == 997
