"""A leaf part's body as text: its Content-Transfer-Encoding (RFC 2045 §6) undone, then
its charset (RFC 2045 §5.1, RFC 2046 §4.1.2) decoded.

Shared by SEARCH BODY/TEXT (hato.mime._text) and by everything that shows a
message (snippets, the web console's view), so that text is read one way everywhere.
Nothing raises: a body that does not decode is read as well as possible, with
replacement characters, in time linear in its size.
"""

from __future__ import annotations

import binascii
import re

from hato.mime._charsets import text_codec
from hato.mime._model import BodyPart

__all__ = [
    "IDENTITY_ENCODINGS",
    "binary_decode",
    "charset_decode",
    "param",
    "part_text",
    "transfer_decode",
]

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
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
# RFC 2045 §6.1: the encodings that leave the octets as they are
IDENTITY_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})


def param(part: BodyPart, name: str) -> str | None:
    """The Content-Type parameter ``name`` (lower case) of ``part``, if it has one."""
    for key, value in part.params:
        if key.lower() == name:
            return value
    return None


def part_text(raw: bytes, part: BodyPart, limit: int | None = None) -> str:
    """The body of the leaf ``part`` of ``raw`` as text; with ``limit``, only about its
    first ``limit`` octets are decoded (a snippet needs no more)."""
    end = part.body_end if limit is None else min(part.body_end, part.body_offset + limit)
    body = raw[part.body_offset : end]
    if limit is not None and (part.encoding or "").strip().lower() == "base64":
        body = body[: len(body) - len(body) % 4]  # whole groups only: a cut one is no text
    return charset_decode(transfer_decode(body, part.encoding), param(part, "charset"))


def transfer_decode(body: bytes, encoding: str | None) -> bytes:
    """Undo base64 or quoted-printable (RFC 2045 §6.7, §6.8); other bodies as they are."""
    decoded = binary_decode(body, encoding)
    return body if decoded is None else decoded


def binary_decode(body: bytes, encoding: str | None) -> bytes | None:
    """``body`` with its Content-Transfer-Encoding (RFC 2045 §6.1) undone, as BINARY
    answers it (RFC 3516 §4.2); None for an encoding RFC 2045 does not define."""
    kind = (encoding or "").strip().lower()
    if kind in IDENTITY_ENCODINGS:
        return body
    if kind == "base64":
        return _base64(body)
    if kind == "quoted-printable":
        return _quoted_printable(body)
    return None


def _base64(body: bytes) -> bytes:
    """RFC 2045 §6.8: characters outside the alphabet are ignored; a body that does not
    decode stays as it is."""
    data = _NOT_BASE64.sub(b"", body)
    data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
    try:
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return body


def _quoted_printable(body: bytes) -> bytes:
    """RFC 2045 §6.7: trailing white space of a line is dropped (rule 3), a line that then
    ends in "=" joins the next (rule 5), "=XX" is the octet XX (rule 1); an "=" that
    starts no escape stays, as §6.7's note on robust decoders suggests.  Line ends are
    kept as the body wrote them."""
    out: list[bytes] = []
    lines = body.split(b"\n")
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        ending = b"" if last else (b"\r\n" if line.endswith(b"\r") else b"\n")
        text = line.rstrip(b"\r").rstrip(b" \t")
        if text.endswith(b"="):
            text, ending = text[:-1], b""
        out.append(_QP_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1).decode()), text))
        out.append(ending)
    return b"".join(out)


def charset_decode(body: bytes, charset: str | None) -> str:
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
