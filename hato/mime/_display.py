"""What a person sees of a message before opening it: attachments and a text snippet.

Computed once at delivery (the store keeps both beside the header columns) and again
by whatever shows a message. A part is an attachment when RFC 2183 §2.2 says so
(``Content-Disposition: attachment``), or when it is a leaf that names a file and is
not marked ``inline`` (mail programs send files that way without a disposition).
The snippet is the start of the first text part a reader would be shown, its
white space collapsed; only its first ``SNIPPET_OCTETS`` are decoded, so a huge
body costs no more than a small one. The HTML parser of an HTML-only message's
snippet (the standard library's, with its entities) is imported by the first one.
"""

from __future__ import annotations

import itertools
import unicodedata
import urllib.parse
from collections.abc import Iterator

from hato.mime._charsets import text_codec
from hato.mime._decode import part_text
from hato.mime._model import BodyPart, MessageInfo
from hato.mime._words import decode_words

__all__ = [
    "SNIPPET_CHARS", "attachment_parts", "body_part", "is_attachment", "leaf_parts",
    "part_filename", "snippet",
]  # fmt: skip

SNIPPET_CHARS = 250  # as long as Mailpit's
SNIPPET_OCTETS = 4096  # of the body decoded for it: enough for 250 characters in any charset


def leaf_parts(root: BodyPart) -> Iterator[tuple[str, BodyPart]]:
    """(IMAP section number, part) of every leaf, depth first (RFC 3501 §6.4.5 part
    numbers: a non-multipart top level is "1"; an embedded message/rfc822 is one leaf,
    downloaded whole). The tree is bounded by the parser (depth, part count)."""
    if not root.is_multipart:
        yield "1", root
        return
    yield from _leaves(root, "")


def _leaves(part: BodyPart, prefix: str) -> Iterator[tuple[str, BodyPart]]:
    for number, child in enumerate(part.children, 1):
        section = f"{prefix}{number}"
        if child.is_multipart:
            yield from _leaves(child, section + ".")
        else:
            yield section, child


def is_attachment(part: BodyPart) -> bool:
    """RFC 2183 §2.2 attachment, or a named file not marked inline."""
    if part.is_multipart:
        return False
    disposition = (part.disposition or "").lower()
    if disposition == "attachment":
        return True
    return disposition != "inline" and part_filename(part) is not None


def attachment_parts(info: MessageInfo) -> list[tuple[str, BodyPart]]:
    """(section, part) of each attachment, in message order."""
    return [(section, part) for section, part in leaf_parts(info.root) if is_attachment(part)]


def part_filename(part: BodyPart) -> str | None:
    """The file name a part gives (RFC 2183 §2.3 ``filename``, else Content-Type's
    ``name``), decoded from RFC 2231 §4 (``filename*=UTF-8''...``) or RFC 2047 words
    (what many mail programs put there, Japanese ones above all); None if none."""
    found = _named(part.disposition_params, "filename")
    return found if found is not None else _named(part.params, "name")


def _named(params: tuple[tuple[str, str], ...], name: str) -> str | None:
    for key, value in params:
        if key.lower() == name + "*":
            return _rfc2231(value)
    for key, value in params:
        if key.lower() == name:
            return decode_words(value)
    return None


def _rfc2231(value: str) -> str:
    """``charset'language'percent-encoded`` (RFC 2231 §4); an unknown charset as UTF-8."""
    charset, quote, rest = value.partition("'")
    if not quote:
        return urllib.parse.unquote(value, errors="replace")
    _language, _, encoded = rest.partition("'")
    codec = text_codec(charset) or "utf-8"
    return urllib.parse.unquote(encoded, encoding=codec, errors="replace")


def body_part(info: MessageInfo, subtype: str) -> tuple[str, BodyPart] | None:
    """The first text/``subtype`` leaf that is not an attachment: what a reader shows."""
    for section, part in leaf_parts(info.root):
        if part.type == "text" and part.subtype == subtype and not is_attachment(part):
            return section, part
    return None


def snippet(raw: bytes, info: MessageInfo) -> str:
    """The start of the message's text (plain, else HTML without its markup), white
    space collapsed, at most SNIPPET_CHARS characters."""
    found = body_part(info, "plain")
    if found is not None:
        return _shortened(part_text(raw, found[1], SNIPPET_OCTETS))
    found = body_part(info, "html")
    if found is not None:
        from hato.mime._html_data import html_data

        return _shortened(html_data(part_text(raw, found[1], SNIPPET_OCTETS)))
    return ""


def _shortened(text: str) -> str:
    """White space collapsed, control and format characters left out, and only as many
    characters looked at as the snippet keeps: every delivery pays for this."""
    head = _collapsed_head(text)
    if head.isprintable():  # no Cc or Cf among them (most text): nothing to leave out
        return head
    words = " ".join(text.split())
    visible = (c for c in words if unicodedata.category(c) not in ("Cc", "Cf"))
    return "".join(itertools.islice(visible, SNIPPET_CHARS))


def _collapsed_head(text: str) -> str:
    """The first SNIPPET_CHARS characters of ``text`` with its white space collapsed,
    collapsing a prefix twice the length at a time: a prefix's collapsed form is a
    prefix of the whole's (a word cut at its end is the start of that word), so once it
    has that many characters they are the whole's."""
    size = 2 * SNIPPET_CHARS
    while True:
        head = " ".join(text[:size].split())
        if len(head) >= SNIPPET_CHARS or size >= len(text):
            return head[:SNIPPET_CHARS]
        size *= 2
