"""An internationalized message (RFC 6532: UTF-8 in header fields, as SMTPUTF8 delivers it)
downgraded for a client that did not ask for UTF-8: RFC 6858's simplified technique, which
IMAP (RFC 6855 §7, a client without ENABLE UTF8=ACCEPT) and POP3 (RFC 6856 §2, a client
without the UTF8 command) use to hand such mail to a conventional client.

Only header fields change, in every header block of the message (the top-level one, each
MIME part's, each embedded message's); bodies stay as they are. A field is downgraded when
its octets hold non-ASCII that is UTF-8; other 8-bit octets are not RFC 6532 mail (a legacy
charset sent raw) and are left alone, as before. A message/global part (RFC 6532 §3.7) is
body content here and stays as it is.

- An address field (From, Sender, Reply-To, To, Cc, Bcc and their Resent- forms): a display
  name with UTF-8 becomes encoded-words (RFC 2047 §5 (3)); an address whose local part or
  domain holds UTF-8 cannot be written in ASCII, so it becomes an empty group (RFC 5322
  §3.4) named by the encoded address, which a reader can still see and nobody can reply to.
- Content-Type and Content-Disposition: each parameter value with UTF-8 in RFC 2231's
  extended form (``filename*=utf-8''%E3%83...``), so that the field keeps its meaning.
- Any other field: its unfolded value as encoded-words (RFC 2047 §5 (1)).

The result is new octets: a client is shown their sizes and structure (``parse_message``
of them), never a mix of the two messages.
"""

from __future__ import annotations

import re
from email.header import Header
from urllib.parse import quote

from hato.mime._address import parse_addresses
from hato.mime._headers import header_end, raw_fields
from hato.mime._message import parse_message
from hato.mime._model import Address, BodyPart, Envelope

__all__ = ["as_legacy", "downgraded", "has_utf8", "is_internationalized", "may_downgrade"]

_ADDRESS_FIELDS = frozenset(
    name + field
    for name in (b"", b"resent-")
    for field in (b"from", b"sender", b"reply-to", b"to", b"cc", b"bcc")
)
_PARAMETER_FIELDS = frozenset({b"content-type", b"content-disposition"})
_PARAMETER = re.compile(r'([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)\*?=("(?:[^"\\]|\\.)*"|[^;\s"]+)')
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_NEEDS_QUOTES = re.compile(r'[()<>\[\]:;@\\,."]')
_UTF8_CHAR = re.compile("[\x80-\udc7f\udd00-\U0010ffff]")  # not ASCII, not an escape
_LINE = 76  # RFC 2047 §2: an encoded-word line at most 76 characters


def as_legacy(raw: bytes) -> bytes:
    """``raw`` as a client without UTF-8 is shown it: downgraded if its top-level header
    holds UTF-8 (an internationalized message, RFC 6532), else unchanged. The top-level
    header decides, so that a FETCH of the whole message and one of its structure agree."""
    if raw.isascii() or not is_internationalized(raw[: header_end(raw, 0, len(raw))]):
        return raw
    return downgraded(raw)


def may_downgrade(raw: bytes) -> bool:
    """Whether ``as_legacy`` may change ``raw``: its top-level header holds 8-bit octets.
    A quick test (no field is parsed) that leaves most 8-bit mail, whose UTF-8 is in the
    body under MIME, with nothing more to do."""
    return not raw.isascii() and not raw[: header_end(raw, 0, len(raw))].isascii()


def has_utf8(envelope: Envelope) -> bool:
    """Whether a parsed ENVELOPE holds UTF-8 beyond ASCII: header text is kept decoded
    from UTF-8 with surrogate escapes, so a character above ASCII that is no escape
    was UTF-8 in the header (RFC 6532)."""
    texts = [envelope.date, envelope.subject, envelope.in_reply_to, envelope.message_id]
    for addresses in (envelope.from_, envelope.sender, envelope.reply_to, envelope.to,
                      envelope.cc, envelope.bcc):  # fmt: skip
        for address in addresses:
            texts += address
    # isascii() first: in C, and most headers are ASCII, which hold no UTF-8
    return any(
        text is not None and not text.isascii() and _UTF8_CHAR.search(text) for text in texts
    )


def is_internationalized(header: bytes) -> bool:
    """Whether a header block holds a field with UTF-8 beyond ASCII (RFC 6532 §3)."""
    if header.isascii():
        return False
    return any(_utf8(field) for _, field in raw_fields(header))


def downgraded(raw: bytes) -> bytes:
    """``raw`` with every header field that holds UTF-8 downgraded (see the module)."""
    if raw.isascii():
        return raw
    out: list[bytes] = []
    position = 0
    for part in _entities(parse_message(raw).root):
        block = raw[part.header_offset : part.body_offset]
        if block.isascii():
            continue
        out += [raw[position : part.header_offset], _block(block)]
        position = part.body_offset
    out.append(raw[position:])
    return b"".join(out)


def _entities(root: BodyPart) -> list[BodyPart]:
    """Every entity whose header is its own, in the order of their headers."""
    found: list[BodyPart] = []
    stack = [root]
    while stack:
        part = stack.pop()
        found.append(part)
        stack.extend(reversed(part.children))
    found.sort(key=lambda part: part.header_offset)
    return [part for part in found if part.body_offset > part.header_offset]


def _block(block: bytes) -> bytes:
    kept: list[bytes] = []
    consumed = 0
    for name, field in raw_fields(block):
        consumed += len(field)
        text = _utf8(field)
        kept.append(field if text is None else _field(name, text))
    return b"".join(kept) + block[consumed:]


def _utf8(field: bytes) -> str | None:
    """The field as text if it holds UTF-8 beyond ASCII, else None."""
    if field.isascii():
        return None
    try:
        return field.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _field(name: bytes, text: str) -> bytes:
    label = name.decode("ascii", "replace").strip()
    value = _FOLD.sub("", text.split(":", 1)[1] if ":" in text else "").strip()
    kind = name.strip().lower()
    if kind in _ADDRESS_FIELDS:
        written = ", ".join(_address(address) for address in _grouped(parse_addresses(value)))
    elif kind in _PARAMETER_FIELDS:
        written = _PARAMETER.sub(_extended, value)
        if not written.isascii():  # UTF-8 outside a parameter value: no structure to keep
            written = _encoded(value, label)
    else:
        written = _encoded(value, label)
    return f"{label}: {written}\r\n".encode("ascii")


def _extended(found: re.Match[str]) -> str:
    """One parameter, in RFC 2231 §4's ``name*=utf-8''value`` form if it holds UTF-8."""
    name, value = found.group(1), found.group(2)
    if value.isascii():
        return found.group()
    if value.startswith('"'):
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    return f"{name}*=utf-8''{quote(value, safe='')}"


def _grouped(addresses: tuple[Address, ...]) -> list[Address]:
    """The addresses without their groups' markers: a group's name goes with nobody."""
    return [address for address in addresses if address[2] is not None and address[3] is not None]


def _address(address: Address) -> str:
    name, _, mailbox, host = address
    spec = f"{mailbox}@{host}"
    if not spec.isascii():
        shown = f"{name} <{spec}>" if name else spec
        return f"{_encoded(shown)} :;"
    return f"{_phrase(name)} <{spec}>" if name else f"<{spec}>"


def _phrase(text: str) -> str:
    if not text.isascii():
        return _encoded(text)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _encoded(text: str, label: str = "") -> str:
    """``text`` as encoded-words in UTF-8 (RFC 2047 §4), folded as §2 asks."""
    if text.isascii():
        return text
    header = Header(text, "utf-8", maxlinelen=_LINE, header_name=label or None)
    return header.encode(linesep="\r\n")
