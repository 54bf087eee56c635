"""BODY[section] contents (RFC 3501 §6.4.5), sliced from the raw message.

    section-spec = section-msgtext / (section-part ["." section-text])
    section-text = section-msgtext / "MIME"
    section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"

Part 1 of a non-multipart entity is its body; a number after a message/rfc822 part counts
inside the embedded message. HEADER, HEADER.FIELDS and TEXT apply to a message: the whole
message without part numbers, else a message/rfc822 part's embedded message. A part or
specifier that does not exist gives empty bytes, as Dovecot answers.
"""

from __future__ import annotations

from functools import lru_cache

from hato.mime._decode import binary_decode
from hato.mime._headers import header_end, raw_fields
from hato.mime._model import BodyPart, MessageInfo


def section_bytes(
    raw: bytes,
    info: MessageInfo | None,
    part: tuple[int, ...],
    spec: str | None,
    fields: tuple[str, ...] = (),
) -> bytes:
    """The octets of ``BODY[<part>.<spec> (<fields>)]``; partial ranges are the caller's.

    ``info`` (``raw`` parsed) is needed for a part only: the whole message's HEADER,
    HEADER.FIELDS and TEXT are cut where its header ends, found as the parser finds it
    (``header_end`` from the start; the top-level entity ends with the message), so a
    client's header download parses nothing."""
    kind = spec.upper() if spec else None
    if not part:
        if kind is None:
            return raw
        return _message_text(raw, (0, header_end(raw, 0, len(raw)), len(raw)), kind, fields)
    if info is None:
        raise ValueError("a part's section needs the message's structure")
    target = _resolve(info.root, part)
    if target is None:
        return b""
    if kind is None:
        return raw[target.body_offset : target.body_end]
    if kind == "MIME":
        return raw[target.header_offset : target.body_offset]
    if not (target.is_message and target.children):
        return b""
    inner = target.children[0]
    span = (inner.header_offset, inner.body_offset, inner.body_end)
    return _message_text(raw, span, kind, fields)


def binary_section(raw: bytes, info: MessageInfo, part: tuple[int, ...]) -> bytes | None:
    """The octets of ``BINARY[<part>]`` (RFC 3516 §4.2): a leaf part's body with its
    Content-Transfer-Encoding undone; the whole message, a multipart or a message/rfc822
    part as it is (their encoding may only be 7bit, 8bit or binary, RFC 2045 §6.4).
    None when the part's encoding is one this server cannot undo (UNKNOWN-CTE)."""
    if not part:
        return raw
    target = _resolve(info.root, part)
    if target is None:
        return b""
    body = raw[target.body_offset : target.body_end]
    if target.is_multipart or target.is_message:
        return body
    return binary_decode(body, target.encoding)


def find_part(info: MessageInfo, path: tuple[int, ...]) -> BodyPart | None:
    """The entity section part ``path`` names (the top-level one for ``()``), or None."""
    return _resolve(info.root, path) if path else info.root


def _resolve(root: BodyPart, path: tuple[int, ...]) -> BodyPart | None:
    node = root
    for depth, number in enumerate(path):
        if node.is_multipart:
            if not 0 < number <= len(node.children):
                return None
            node = node.children[number - 1]
        elif number != 1:
            return None
        if depth + 1 < len(path) and node.is_message and node.children:
            node = node.children[0]
    return node


def _message_text(
    raw: bytes, entity: tuple[int, int, int], kind: str, names: tuple[str, ...]
) -> bytes:
    """HEADER, HEADER.FIELDS[.NOT] or TEXT of the message whose entity spans ``entity``
    (header start, body start, body end)."""
    start, body, end = entity
    header = raw[start:body]
    if kind == "HEADER":
        return header
    if kind == "TEXT":
        return raw[body:end]
    if kind in ("HEADER.FIELDS", "HEADER.FIELDS.NOT"):
        return header_fields(header, names, exclude=kind.endswith(".NOT"))
    return b""


def header_fields(header: bytes, names: tuple[str, ...], exclude: bool = False) -> bytes:
    """The fields of ``header`` named (or, with ``exclude``, not named) in ``names``,
    compared case-insensitively, in message order, followed by the blank line (a
    field that ends without a line end is given one)."""
    wanted = _lowered(names)
    kept = [
        field if field.endswith(b"\n") else field + b"\r\n"
        for name, field in raw_fields(header)
        if (name.lower() in wanted) != exclude
    ]
    kept.append(b"\r\n")
    return b"".join(kept)


@lru_cache(maxsize=32)
def _lowered(names: tuple[str, ...]) -> frozenset[bytes]:
    """The names as header field names are compared: made once for the many messages of
    one FETCH (and the next client's that asks for the same list)."""
    return frozenset(name.lower().encode("utf-8", "surrogateescape") for name in names)
