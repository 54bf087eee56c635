"""Binary content APPENDed with a literal8 (RFC 3516 §4.3), stored as base64.

RFC 3516 §4.3: a server that cannot keep binary content as it is "MAY" convert it; hato
stores messages that every IMAP client can read (BODY[] answers are literals, which carry
no NUL, RFC 3501 §9 CHAR8), so each leaf part sent as ``binary`` gets
``Content-Transfer-Encoding: base64`` (RFC 2045 §6.8), as Dovecot does; BINARY[part]
then gives back the octets the client sent.  Only a declared encoding is changed: an
entity the parser reads without MIME (an embedded message without MIME-Version) keeps
its bytes.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator

from hato.mime._headers import raw_fields
from hato.mime._message import parse_message
from hato.mime._model import BodyPart

__all__ = ["without_binary_parts"]

_BASE64_LINE = 57  # octets per encoded line: 76 characters, RFC 2045 §6.8
_CTE = b"content-transfer-encoding"


def without_binary_parts(raw: bytes) -> bytes:
    """``raw`` with each leaf part whose body is binary re-encoded as base64."""
    info = parse_message(raw)
    edits = [part for part in _leaves(info.root) if _is_binary(part)]
    if not edits:
        return raw
    out: list[bytes] = []
    position = 0
    for part in sorted(edits, key=lambda part: part.header_offset):
        out.append(raw[position : part.header_offset])
        out.append(_base64_header(raw[part.header_offset : part.body_offset]))
        out.append(_base64_body(raw[part.body_offset : part.body_end]))
        position = part.body_end
    out.append(raw[position:])
    return b"".join(out)


def _leaves(root: BodyPart) -> Iterator[BodyPart]:
    """Every leaf, also inside embedded messages (the parser bounds the tree's size)."""
    stack = [root]
    while stack:
        part = stack.pop()
        if part.children:
            stack.extend(part.children)
        elif not part.is_multipart:
            yield part


def _is_binary(part: BodyPart) -> bool:
    return (part.encoding or "").strip().lower() == "binary"


def _base64_header(block: bytes) -> bytes:
    """The part's header without its Content-Transfer-Encoding, then base64's."""
    kept: list[bytes] = []
    consumed = 0
    for name, field in raw_fields(block):
        consumed += len(field)
        if name.strip().lower() != _CTE:
            kept.append(field if field.endswith(b"\n") else field + b"\r\n")
    kept.append(b"Content-Transfer-Encoding: base64\r\n")
    return b"".join(kept) + block[consumed:]


def _base64_body(body: bytes) -> bytes:
    lines = (
        binascii.b2a_base64(body[start : start + _BASE64_LINE], newline=False)
        for start in range(0, len(body), _BASE64_LINE)
    )
    return b"\r\n".join(lines)
