"""A parsed message, reduced to what the manners rules read.

:func:`parse_mail` does all the MIME work (RFC 5322 fields, RFC 2045 parts, RFC 2047
encoded words, charsets) once, eagerly, so that the rules are pure functions of a plain
frozen value and every parsing failure surfaces here as :class:`ParseError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from functools import cached_property

from hato.manners._decode import UnknownCharsetError
from hato.manners._parts import TextPart, body_text, text_parts
from hato.manners._words import EncodedWord, decoded_header, encoded_words


class ParseError(ValueError):
    """The bytes are not a message the linter can read."""


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox from an address field; ``addr`` is lower-cased for comparison."""

    name: str
    addr: str


# RFC 5322 3.6.4: msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]
_MSG_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Mail:
    """The parts of a message the rules look at."""

    subject: str | None
    sender: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    words: tuple[EncodedWord, ...]
    parts: tuple[TextPart, ...]
    body: str

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """The body's lines; line N of the findings is ``lines[N - 1]``."""
        return tuple(self.body.replace("\r\n", "\n").replace("\r", "\n").split("\n"))

    @property
    def recipients(self) -> tuple[Address, ...]:
        """Everyone the message is addressed to: To, Cc and Bcc."""
        return self.to + self.cc + self.bcc


def parse_mail(raw: bytes) -> Mail:
    """Parse an RFC 5322 message; raise ParseError when it is not one."""
    if not raw.strip():
        raise ParseError("empty file")
    if b"\x00" in raw:
        raise ParseError("binary data (NUL bytes), not an RFC 5322 message")
    try:
        return _parse(raw)
    except RecursionError:
        # The standard library's parser and walk() recurse once per multipart level.
        raise ParseError("MIME parts nested too deeply") from None


def _parse(raw: bytes) -> Mail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not message.keys():
        raise ParseError("no header fields: not an RFC 5322 message")
    try:
        return _reduce(message)
    except UnknownCharsetError as error:
        raise ParseError(str(error)) from None
    except (ValueError, LookupError, IndexError, TypeError, AttributeError) as error:
        raise ParseError(f"malformed message: {error}") from None


def _reduce(message: EmailMessage) -> Mail:
    """Read everything the rules need, so that later access cannot fail."""
    return Mail(
        subject=_subject(message),
        sender=_addresses(message, "from"),
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        bcc=_addresses(message, "bcc"),
        reply_to=_addresses(message, "reply-to"),
        message_id=next(iter(_ids(message, "message-id")), None),
        in_reply_to=_ids(message, "in-reply-to"),
        references=_ids(message, "references"),
        words=encoded_words(message.raw_items()),
        parts=tuple(text_parts(message)),
        body=body_text(message),
    )


def _raw_values(message: Message, field: str) -> list[str]:
    """The undecoded values of every *field* header (the library's own decoding is lossy)."""
    return [str(value) for name, value in message.raw_items() if name.lower() == field]


def _subject(message: Message) -> str | None:
    """The decoded Subject; None when there is no Subject field at all."""
    raw = _raw_values(message, "subject")
    return " ".join(decoded_header(value) for value in raw) if raw else None


def _addresses(message: EmailMessage, field: str) -> tuple[Address, ...]:
    """The mailboxes of every *field* header; groups contribute their members."""
    found: list[Address] = []
    for header in message.get_all(field) or ():
        for address in getattr(header, "addresses", ()):
            if address.addr_spec and address.addr_spec != "<>":
                found.append(Address(address.display_name, address.addr_spec.lower()))
    return tuple(found)


def _ids(message: Message, field: str) -> tuple[str, ...]:
    """The msg-ids of every *field* header; a value without angle brackets is taken whole."""
    ids: list[str] = []
    for text in _raw_values(message, field):
        found = _MSG_ID.findall(text)
        ids.extend(found if found else [text.strip()] if text.strip() else [])
    return tuple(ids)
