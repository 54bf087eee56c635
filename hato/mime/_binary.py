"""Binary content APPENDed with a literal8 (RFC 3516 §4.3), stored as base64; and a part
decoded whole for URLFETCH's BINARY (RFC 5524, ``decoded_entity``).

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
from dataclasses import replace

from hato.mime._decode import IDENTITY_ENCODINGS, binary_decode
from hato.mime._headers import raw_fields
from hato.mime._message import parse_message
from hato.mime._model import BodyPart

__all__ = ["binary_header", "decoded_entity", "without_binary_parts"]

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
    return _with_encoding(block, b"base64")


def _with_encoding(block: bytes, encoding: bytes) -> bytes:
    """The header ``block`` without its Content-Transfer-Encoding, then one saying
    ``encoding``."""
    kept: list[bytes] = []
    consumed = 0
    for name, field in raw_fields(block):
        consumed += len(field)
        if name.strip().lower() != _CTE:
            kept.append(field if field.endswith(b"\n") else field + b"\r\n")
    kept.append(b"Content-Transfer-Encoding: " + encoding + b"\r\n")
    return b"".join(kept) + block[consumed:]


def _base64_body(body: bytes) -> bytes:
    lines = (
        binascii.b2a_base64(body[start : start + _BASE64_LINE], newline=False)
        for start in range(0, len(body), _BASE64_LINE)
    )
    return b"\r\n".join(lines)


def decoded_entity(raw: bytes, part: BodyPart) -> tuple[bytes, BodyPart] | None:
    """The body of ``part`` with every leaf inside it decoded, and ``part`` with the
    sizes and line counts of that decoded form; None when a leaf has an encoding this
    server cannot undo.

    URLFETCH's BINARY (RFC 5524 §3) is "the data without any Content-Transfer-Encoding";
    for a multipart or message/rfc822 part that means every leaf inside it, each of
    whose headers then says ``Content-Transfer-Encoding: binary`` (as Dovecot answers).
    The returned part keeps the stored encoding names: BODYPARTSTRUCTURE with BINARY
    describes the decoded octets by their sizes only, as Dovecot's does.
    """
    if not part.children:
        stored = raw[part.body_offset : part.body_end]
        leaf = not (part.is_multipart or part.is_message)
        body = binary_decode(stored, part.encoding) if leaf else stored
        return None if body is None else (body, _measured(part, body))
    out: list[bytes] = []
    children: list[BodyPart] = []
    position = part.body_offset
    for child in part.children:
        found = decoded_entity(raw, child)
        if found is None:
            return None
        body, measured = found
        out += [raw[position : child.header_offset], binary_header(raw, child), body]
        children.append(measured)
        position = child.body_end
    out.append(raw[position : part.body_end])
    body = b"".join(out)
    return body, _measured(part, body, tuple(children))


def binary_header(raw: bytes, part: BodyPart) -> bytes:
    """``part``'s header, saying ``binary`` if decoding its body changes the octets."""
    block = raw[part.header_offset : part.body_offset]
    if part.children or (part.encoding or "").strip().lower() in IDENTITY_ENCODINGS:
        return block
    return _with_encoding(block, b"binary")


def _measured(part: BodyPart, body: bytes, children: tuple[BodyPart, ...] = ()) -> BodyPart:
    """``part`` with ``body``'s size (bare LFs counted as CRLF, as the parser counts)."""
    lines = body.count(b"\n")
    size = len(body) + lines - body.count(b"\r\n")
    return replace(part, size=size, lines=lines, children=children or part.children)
