"""One message as a person reads it: a pure view model, no HTTP, no store.

``message_view(raw, info)`` turns the stored message (its bytes and the parse the
store keeps, hato.mime) into what a page or the JSON API shows: the envelope's
people and subject, the header fields decoded (RFC 2047 words in any charset), the
text and HTML parts decoded from their transfer encoding and charset (ISO-2022-JP,
Shift_JIS, EUC-JP, UTF-8 and the rest: hato.mime.part_text), the MIME tree, and
the attachments with stable ids (their IMAP part numbers, RFC 3501 §6.4.5, which
the cached structure keeps from delivery on).

Everything here comes from whoever sent the message, so everything is bounded and
made harmless for the places it goes: a header shows at most MAX_HEADER_CHARS
characters and a message at most MAX_HEADERS fields; a text or HTML part is decoded
up to MAX_BODY_OCTETS; file names lose any directory, control and format
characters (``safe_filename``) and a Content-Type that is not a plain
``type/subtype`` token pair is served as application/octet-stream. The MIME tree
is as deep as hato.mime's parser allows (MAX_DEPTH), never deeper. The HTML is
given as the sender wrote it: whoever shows it must sandbox it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hato.mime import (
    Address,
    BodyPart,
    MessageInfo,
    body_part,
    decode_words,
    fields,
    is_attachment,
    leaf_parts,
    part_filename,
    part_text,
    transfer_decode,
)

__all__ = [
    "INLINE_TYPES", "MAX_BODY_OCTETS", "MAX_FILENAME", "MAX_HEADERS", "MAX_HEADER_CHARS",
    "Heading", "MessageView", "Part", "Person", "attachment_data", "content_type", "heading",
    "inline_images", "message_view", "people", "safe_filename",
]  # fmt: skip

MAX_HEADERS = 200
MAX_HEADER_CHARS = 4096
MAX_BODY_OCTETS = 4 * 1024 * 1024
MAX_FILENAME = 200

_TOKEN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")
_SECTION = re.compile(r"[1-9][0-9]{0,5}(\.[1-9][0-9]{0,5}){0,99}")


@dataclass(frozen=True, slots=True)
class Person:
    """A mailbox of an address list (RFC 5322 §3.4): its display name, decoded, and address."""

    name: str
    address: str


@dataclass(frozen=True, slots=True)
class Part:
    """One MIME entity: its IMAP part number (``section``, "" for a multipart top
    level), type, sanitised file name, size in octets, and its parts."""

    section: str
    content_type: str
    filename: str
    size: int
    disposition: str
    attachment: bool
    children: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class Heading:
    """The envelope (RFC 3501 §7.4.2) as people read it: words decoded, controls gone."""

    subject: str
    date: str
    message_id: str
    from_: tuple[Person, ...]
    to: tuple[Person, ...]
    cc: tuple[Person, ...]
    bcc: tuple[Person, ...]
    reply_to: tuple[Person, ...]


def heading(info: MessageInfo) -> Heading:
    """The heading of a parsed message: all a message list needs of it."""
    envelope = info.envelope
    return Heading(
        subject=_shown(envelope.subject or ""),
        date=_shown(envelope.date or ""),
        message_id=_shown(envelope.message_id or ""),
        from_=people(envelope.from_),
        to=people(envelope.to),
        cc=people(envelope.cc),
        bcc=people(envelope.bcc),
        reply_to=people(envelope.reply_to),
    )


@dataclass(frozen=True, slots=True)
class MessageView:
    """A message to show: heading, decoded header fields, text, HTML, tree, attachments."""

    heading: Heading
    headers: tuple[tuple[str, str], ...]
    text: str | None
    html: str | None
    tree: Part
    attachments: tuple[Part, ...]


def message_view(raw: bytes, info: MessageInfo) -> MessageView:
    """The view of ``raw``, whose parse (hato.mime) is ``info``."""
    plain, html = body_part(info, "plain"), body_part(info, "html")
    attachments = tuple(
        _part(section, part) for section, part in leaf_parts(info.root) if is_attachment(part)
    )
    return MessageView(
        heading=heading(info),
        headers=_headers(raw[info.root.header_offset : info.root.body_offset]),
        text=None if plain is None else part_text(raw, plain[1], MAX_BODY_OCTETS),
        html=None if html is None else part_text(raw, html[1], MAX_BODY_OCTETS),
        tree=_tree(info.root),
        attachments=attachments,
    )


def people(addresses: tuple[Address, ...]) -> tuple[Person, ...]:
    """The mailboxes of an ENVELOPE address list (RFC 3501 §7.4.2), group markers left out."""
    found = []
    for name, _adl, mailbox, host in addresses:
        if mailbox is None or host is None:
            continue  # a group's start or end
        found.append(Person(_shown(name or ""), _shown(f"{mailbox}@{host}")))
    return tuple(found)


def _shown(value: str) -> str:
    """A header value as text: cut to MAX_HEADER_CHARS, words decoded, controls gone."""
    text = decode_words(value[:MAX_HEADER_CHARS])
    return "".join(c if c.isprintable() else " " for c in text)[:MAX_HEADER_CHARS]


def _headers(block: bytes) -> tuple[tuple[str, str], ...]:
    found = fields(block)[:MAX_HEADERS]
    return tuple(
        (_canonical(name), _shown(value.decode("utf-8", "surrogateescape")))
        for name, value in found
    )


def _canonical(name: str) -> str:
    """A field name as Mailpit writes it (Go's canonical form): ``Content-Type``."""
    return "-".join(word.capitalize() for word in _shown(name).split("-"))


def _tree(root: BodyPart) -> Part:
    if not root.is_multipart:
        return _part("1", root)
    return _multipart("", root)


def _multipart(section: str, part: BodyPart) -> Part:
    children = []
    for number, child in enumerate(part.children, 1):
        inner = f"{section}.{number}" if section else str(number)
        children.append(_multipart(inner, child) if child.is_multipart else _part(inner, child))
    return Part(section, content_type(part), "", part.size, "", False, tuple(children))


def _part(section: str, part: BodyPart) -> Part:
    kind = content_type(part)
    name = safe_filename(part_filename(part) or "", _fallback(section, part))
    attached = is_attachment(part)
    return Part(section, kind, name, part.size, (part.disposition or "").lower(), attached)


def content_type(part: BodyPart) -> str:
    """``type/subtype`` of a part when both are plain tokens, else application/octet-stream."""
    kind, subtype = part.type.lower(), part.subtype.lower()
    if _TOKEN.fullmatch(kind) and _TOKEN.fullmatch(subtype):
        return f"{kind}/{subtype}"
    return "application/octet-stream"


def _fallback(section: str, part: BodyPart) -> str:
    extension = {"message": ".eml", "text": ".txt"}.get(part.type, ".bin")
    if part.type == "text" and part.subtype == "html":
        extension = ".html"
    return f"part-{section}{extension}"


def safe_filename(name: str, fallback: str) -> str:
    """A file name that names one file here: the last path component only, no
    control or format characters (no bidirectional overrides), no leading dots,
    at most MAX_FILENAME characters; ``fallback`` if nothing is left."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    kept = " ".join(kept.split()).lstrip(".").strip()
    return kept[:MAX_FILENAME] or fallback


def attachment_data(raw: bytes, info: MessageInfo, section: str) -> tuple[Part, bytes] | None:
    """The leaf part numbered ``section`` (an attachment id) and its body with the
    transfer encoding undone; None if the message has no such leaf."""
    if not _SECTION.fullmatch(section):
        return None
    for number, part in leaf_parts(info.root):
        if number == section:
            body = raw[part.body_offset : part.body_end]
            return _part(number, part), transfer_decode(body, part.encoding)
    return None


#: Image types an HTML part may show from its own message: raster images only (an SVG is a
#: document of its own).
INLINE_TYPES = frozenset({"image/png", "image/gif", "image/jpeg", "image/webp", "image/bmp"})


def inline_images(raw: bytes, info: MessageInfo) -> dict[str, tuple[str, bytes]]:
    """The images of the message an HTML part may name with a ``cid:`` URL (RFC 2392):
    content id (without its angle brackets) -> (type, bytes decoded). The first part
    of a content id wins."""
    found: dict[str, tuple[str, bytes]] = {}
    for _section, part in leaf_parts(info.root):
        kind = content_type(part)
        if kind in INLINE_TYPES and part.id:
            body = raw[part.body_offset : part.body_end]
            found.setdefault(
                part.id.strip().strip("<>"), (kind, transfer_decode(body, part.encoding))
            )
    return found
