"""The text SEARCH BODY and TEXT look into (RFC 3501 §6.4.4), decoded part by part.

Each text/* part (message/* leaves such as delivery-status too), in embedded
message/rfc822 messages as well, is undone from its Content-Transfer-Encoding
(base64, quoted-printable) and decoded from its charset with replacement
characters; other parts (images, applications) are never searched. The header
of an embedded message is part of its parent's body, so it is given (with its
RFC 2047 words decoded) like a text part. Chunks come lazily, one per part, so
a caller that stops at its first match decodes no more than it needs.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator

from hato.mime import BodyPart, MessageInfo, decode_words, text_codec

__all__ = ["decoded_header", "decoded_text"]

# Names mail uses that Python does not know, and labels better read as their
# supersets (as the WHATWG Encoding Standard does).
_ALIASES = {
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
}
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def decoded_text(raw: bytes, info: MessageInfo, *, header: bool = False) -> Iterator[str]:
    """The message's searchable text, one chunk per part; with ``header`` the
    top-level header first (SEARCH TEXT), else only the body (SEARCH BODY)."""
    root = info.root
    if header:
        yield decoded_header(raw[root.header_offset : root.body_offset])
    yield from _part_text(raw, root)


def decoded_header(header: bytes) -> str:
    """A header unfolded, as text, with its RFC 2047 encoded words decoded."""
    value = _FOLD.sub(b"", header).decode("utf-8", "surrogateescape")
    return decode_words(value)


def _part_text(raw: bytes, part: BodyPart) -> Iterator[str]:
    if part.is_multipart:
        for child in part.children:
            yield from _part_text(raw, child)
    elif part.is_message and part.children:
        embedded = part.children[0]
        yield decoded_header(raw[embedded.header_offset : embedded.body_offset])
        yield from _part_text(raw, embedded)
    elif part.type in ("text", "message"):
        body = _transfer_decode(raw[part.body_offset : part.body_end], part.encoding)
        yield _charset_decode(body, _param(part, "charset"))


def _param(part: BodyPart, name: str) -> str | None:
    for key, value in part.params:
        if key.lower() == name:
            return value
    return None


def _transfer_decode(body: bytes, encoding: str | None) -> bytes:
    kind = (encoding or "").strip().lower()
    if kind == "base64":
        data = _NOT_BASE64.sub(b"", body)
        data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
        try:
            return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            return body
    if kind == "quoted-printable":
        return binascii.a2b_qp(body)
    return body


def _charset_decode(body: bytes, charset: str | None) -> str:
    """The part's text; a label that names no charset is read as UTF-8, as Dovecot
    does (and ``text_codec`` keeps codecs that are not charsets away)."""
    name = (charset or "utf-8").strip().strip('"').lower()
    name = text_codec(_ALIASES.get(name, name)) or "utf-8"
    if name == "utf-8" and not body.isascii():
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            if charset is None or charset.lower() in ("us-ascii", "ascii"):
                return body.decode("cp1252", "replace")  # undeclared 8-bit text
    return body.decode(name, "replace")
