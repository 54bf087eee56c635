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

import re
from collections.abc import Iterator

from hato.mime import BodyPart, MessageInfo, decode_words, part_text

__all__ = ["decoded_header", "decoded_text"]

_FOLD = re.compile(rb"\r?\n(?=[ \t])")


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
        yield part_text(raw, part)
