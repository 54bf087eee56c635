"""The text parts of a MIME message (RFC 2045, RFC 2046) and the body the rules read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

from hato.manners._decode import decode_text
from hato.manners._html import html_to_text


@dataclass(frozen=True, slots=True)
class TextPart:
    """An inline (not attached) text part: its type, declared charset and decoded text."""

    content_type: str
    charset: str | None
    text: str
    parent: str


def _leaves(part: EmailMessage, parent: str) -> Iterator[tuple[EmailMessage, str]]:
    """Yield the leaf parts with their parent's type, not entering attached messages."""
    if part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        for child in payload if isinstance(payload, list) else ():
            if isinstance(child, EmailMessage):
                yield from _leaves(child, part.get_content_type())
    else:
        yield part, parent


def decoded_content(part: EmailMessage) -> str:
    """Undo the transfer encoding and decode the declared charset."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return decode_text(data, part.get_content_charset())


def text_parts(message: EmailMessage) -> Iterator[TextPart]:
    """Yield the inline text parts of *message*."""
    for part, parent in _leaves(message, ""):
        if part.get_content_maintype() == "text" and not part.is_attachment():
            yield TextPart(
                part.get_content_type(),
                part.get_content_charset(),
                decoded_content(part),
                parent,
            )


def body_text(message: EmailMessage) -> str:
    """Return the body a reader sees: text/plain if there is one, else the HTML's text."""
    body = message.get_body(preferencelist=("plain", "html"))
    if not isinstance(body, EmailMessage):
        return ""
    text = decoded_content(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n")
