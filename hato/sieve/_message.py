"""The message a script looks at: a small protocol, and its implementation on hato.mime.

The delivery layer may hand the interpreter anything that has these methods;
``MimeMessage`` builds them from the raw octets with hato.mime, the parser IMAP uses.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import quopri
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from hato.mime import (
    BodyPart,
    MessageInfo,
    decode_words,
    fields,
    header_end,
    parse_message,
    text_codec,
)

MAX_BODY_PARTS = 100  # MIME parts the body test looks at (RFC 5173 §5 leaves it to us)


@dataclass(frozen=True, slots=True)
class BodyText:
    """One leaf MIME part for the body test: its "type/subtype" (lowercase) and text."""

    content_type: str
    text: str


class Message(Protocol):
    """What the interpreter reads of a message."""

    @property
    def size(self) -> int:
        """Octets of the message (RFC 5228 §5.9)."""
        ...

    def header_values(self, name: str) -> Sequence[str]:
        """Unfolded values of every field called ``name``, in order, not decoded."""
        ...

    def raw_body(self) -> str:
        """The body as sent, undecoded (RFC 5173 §5.1 :raw)."""
        ...

    def body_parts(self) -> Iterator[BodyText]:
        """Leaf parts, transfer-decoded and charset-decoded (RFC 5173 §5.2 :content)."""
        ...


def decoded(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded (RFC 5228 §2.7.2)."""
    return decode_words(value) if "=?" in value else value


class MimeMessage:
    """``Message`` over raw octets, parsed once by hato.mime."""

    def __init__(self, raw: bytes, info: MessageInfo | None = None) -> None:
        """``info``: the message already parsed at delivery (``parse_message(raw)``)."""
        self.raw = raw
        self.info = info if info is not None else parse_message(raw)
        self._fields = fields(raw[: header_end(raw, 0, len(raw))])
        self._parts: list[BodyText] | None = None

    @property
    def size(self) -> int:
        return len(self.raw)

    def header_values(self, name: str) -> Sequence[str]:
        name = name.lower()
        return [_text(value) for field, value in self._fields if field == name]

    def raw_body(self) -> str:
        return _text(self.raw[self.info.root.body_offset :])

    def body_parts(self) -> Iterator[BodyText]:
        """Decoded once, on the first body test, and kept for the others of the run."""
        if self._parts is None:
            self._parts = list(self._decode_parts())
        return iter(self._parts)

    def _decode_parts(self) -> Iterator[BodyText]:
        for count, part in enumerate(_leaves(self.info.root)):
            if count == MAX_BODY_PARTS:
                return
            content = self.raw[part.body_offset : part.body_end]
            yield BodyText(f"{part.type}/{part.subtype}".lower(), _part_text(part, content))


def _leaves(part: BodyPart) -> Iterator[BodyPart]:
    """Leaf parts, depth first, without recursion (hato.mime bounds the depth too)."""
    stack = [part]
    while stack:
        current = stack.pop()
        if current.children:
            stack.extend(reversed(current.children))
        else:
            yield current


def _part_text(part: BodyPart, content: bytes) -> str:
    encoding = (part.encoding or "").lower()
    if encoding == "base64":
        with contextlib.suppress(binascii.Error, ValueError):
            content = base64.b64decode(content, validate=False)
    elif encoding == "quoted-printable":
        content = quopri.decodestring(content)
    charset = dict(part.params).get("charset", "us-ascii")
    codec = text_codec(charset) or "utf-8"
    return content.decode(codec, "replace")


def _text(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")
