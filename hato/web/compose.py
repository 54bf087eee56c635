"""A message from the API's send request (Mailpit's ``POST /api/v1/send`` shape), made
by the standard library's encoder (``email.message.EmailMessage``, RFC 5322 and MIME
with RFC 2047 words and RFC 2231 file names as needed).

    {"From": {"Email": "...", "Name": "..."}, "To": [{"Email": "...", "Name": "..."}],
     "Cc": [...], "Bcc": ["..."], "ReplyTo": [...], "Subject": "...", "Text": "...",
     "HTML": "...", "Attachments": [{"Filename": "...", "Content": "base64",
     "ContentType": "..."}]}

Bcc addresses are recipients and never a header field (RFC 5322 §3.6.3). The JSON
comes from anyone: every value is checked for its type, addresses for their length
and for line breaks (which would make new header fields), and the counts are bounded;
anything else is a ``ComposeError`` that says what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import email.utils
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

__all__ = ["MAX_ATTACHMENTS", "MAX_RECIPIENTS", "ComposeError", "Composed", "compose"]

MAX_RECIPIENTS = 100
MAX_ATTACHMENTS = 20
_MAX_ADDRESS = 320  # RFC 5321 §4.5.3.1: 64 + 1 + 255


class ComposeError(ValueError):
    """The send request does not describe a message; the text says why."""


@dataclass(frozen=True, slots=True)
class Composed:
    """The envelope (sender, every recipient, Bcc included) and the message's bytes."""

    sender: str
    recipients: list[str]
    message_id: str
    content: bytes


def compose(body: dict[str, Any], hostname: str) -> Composed:
    """The message ``body`` asks for (ComposeError if it asks for none)."""
    sender = _person(body.get("From"), "From")
    to, cc, reply_to = (_people(body.get(key, []), key) for key in ("To", "Cc", "ReplyTo"))
    bcc = [_address(item, "Bcc") for item in _list(body.get("Bcc", []), "Bcc")]
    recipients = [person.addr_spec for person in (*to, *cc)] + bcc
    if not recipients:
        raise ComposeError("give at least one recipient in To, Cc or Bcc")
    if len(recipients) > MAX_RECIPIENTS:
        raise ComposeError(f"at most {MAX_RECIPIENTS} recipients")
    message = EmailMessage(policy=email.policy.SMTP)
    message_id = email.utils.make_msgid(domain=hostname)
    try:
        message["From"] = sender
        for name, people in (("To", to), ("Cc", cc), ("Reply-To", reply_to)):
            if people:
                message[name] = people
        message["Subject"] = _text(body, "Subject")
        message["Message-ID"] = message_id
        _fill(message, body)
    except (ValueError, TypeError) as error:  # the encoder refuses what it cannot write
        raise ComposeError(f"cannot make the message: {error}") from None
    return Composed(sender.addr_spec, recipients, message_id.strip("<>"), message.as_bytes())


def _fill(message: EmailMessage, body: dict[str, Any]) -> None:
    text, html = _text(body, "Text"), _text(body, "HTML")
    message.set_content(text or ("" if html else "\n"))
    if html:
        if text:
            message.add_alternative(html, subtype="html")
        else:
            message.set_content(html, subtype="html")
    attachments = _list(body.get("Attachments", []), "Attachments")
    if len(attachments) > MAX_ATTACHMENTS:
        raise ComposeError(f"at most {MAX_ATTACHMENTS} attachments")
    for item in attachments:
        data, filename, kind = _attachment(item)
        main, _, sub = kind.partition("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=filename)


def _attachment(item: Any) -> tuple[bytes, str, str]:
    if not isinstance(item, dict):
        raise ComposeError("each attachment: an object with Filename and Content (base64)")
    filename, content = item.get("Filename", "attachment"), item.get("Content", "")
    kind = item.get("ContentType", "application/octet-stream")
    if not all(isinstance(v, str) for v in (filename, content, kind)) or kind.count("/") != 1:
        raise ComposeError("each attachment: Filename, Content (base64), ContentType type/sub")
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise ComposeError(f"attachment {filename[:64]!r}: Content is not base64") from None
    return data, filename, kind


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise ComposeError(f"{key} must be a list")
    return value


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if not isinstance(value, str):
        raise ComposeError(f"{key} must be a string")
    return value


def _people(value: Any, key: str) -> list[Address]:
    return [_person(item, key) for item in _list(value, key)]


def _person(value: Any, key: str) -> Address:
    """``{"Email": ..., "Name": ...}`` (or a bare address string) as an Address."""
    if isinstance(value, str):
        value = {"Email": value}
    if not isinstance(value, dict):
        raise ComposeError(f'{key}: give {{"Email": "...", "Name": "..."}}')
    name = value.get("Name", "")
    if not isinstance(name, str) or "\r" in name or "\n" in name:
        raise ComposeError(f"{key}: Name must be a string on one line")
    address = _address(value.get("Email"), key)
    local, _, domain = address.rpartition("@")
    try:
        return Address(display_name=name, username=local, domain=domain)
    except (ValueError, TypeError, IndexError):
        raise ComposeError(f"{key}: not an address: {address[:64]!r}") from None


def _address(value: Any, key: str) -> str:
    if (
        not isinstance(value, str)
        or not 3 <= len(value) <= _MAX_ADDRESS
        or "@" not in value
        or any(c.isspace() or not c.isprintable() for c in value)
    ):
        raise ComposeError(f"{key}: not an address: {str(value)[:64]!r}")
    return value
