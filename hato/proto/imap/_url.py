"""IMAP URLs (RFC 5092) naming a message or a part of it, as CATENATE (RFC 4469) takes them.

    imapurl     = "imap://" iserver ipath-query        ; the absolute form, RFC 5092 §11
    ipath       = "/" enc-mailbox [uidvalidity] iuid [isection] [ipartial]
                                                       ; the relative form, RFC 4469 §5
    uidvalidity = ";UIDVALIDITY=" nz-number
    iuid        = "/;UID=" nz-number
    isection    = "/;SECTION=" enc-section
    ipartial    = "/;PARTIAL=" number ["." nz-number]  ; URL-PARTIAL, RFC 5550 §4

Names are case-insensitive; the mailbox and the section are percent-encoded, the
mailbox as UTF-8 (RFC 5092 §3.3). A URL with URLAUTH's or EXPIRE's parts names a
message for someone else (RFC 4467): this server has no URLAUTH, so it is refused
as any other URL it cannot resolve. The section is read as FETCH reads its own
(``_fetch``). Every URL is at most ``MAX_URL`` octets, and nothing here is a
regular expression built from it.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from ._events import CommandError
from ._fetch import Section, parse_section
from ._tokens import Cursor

__all__ = ["MAX_URL", "ImapUrl", "UrlError", "parse_imap_url"]

MAX_URL = 4096
_NUMBER = re.compile(r"[0-9]{1,10}")
_SERVER = re.compile(r"imap://[^/]{1,1024}", re.IGNORECASE)
_USER = re.compile(r"([^;@]*)(?:;AUTH=[^@]*)?@", re.IGNORECASE)


class UrlError(ValueError):
    """The URL is not one this server can resolve; the text says why, for the log."""


@dataclass(frozen=True, slots=True)
class ImapUrl:
    """A message of one of the user's mailboxes, or a section of it, or a range of that."""

    mailbox: str
    uid: int
    uidvalidity: int | None = None
    section: Section | None = None
    partial: tuple[int, int | None] | None = None  # (origin, length or to the end)
    user: str | None = None  # the absolute form's user, if it names one


def parse_imap_url(url: str) -> ImapUrl:
    """``url`` read as RFC 5092 writes it (see the module docstring); UrlError if not."""
    if len(url) > MAX_URL or not url.isascii():
        raise UrlError("not a URL this server reads")
    user, path = None, url
    server = _SERVER.match(url)
    if server is not None:
        authority, path = server.group()[7:], url[server.end() :]
        found = _USER.match(authority)
        user = urllib.parse.unquote(found.group(1)) if found else None
    if not path.startswith("/"):
        raise UrlError("not an absolute path")
    mailbox_part, *parts = path[1:].split("/")
    return _message(mailbox_part, parts, user)


def _message(mailbox_part: str, parts: list[str], user: str | None) -> ImapUrl:
    name, _, validity = mailbox_part.partition(";")
    fields: dict[str, str] = {}
    if validity:
        key, _, value = validity.partition("=")
        if key.upper() != "UIDVALIDITY":
            raise UrlError("only UIDVALIDITY may follow the mailbox")
        fields["UIDVALIDITY"] = value
    for part in parts:
        key, equals, value = part.partition("=")
        key = key.upper()
        if not key.startswith(";") or not equals or key[1:] in fields:
            raise UrlError("a part that is not ;NAME=value, or one given twice")
        fields[key[1:]] = value
    unknown = set(fields) - {"UIDVALIDITY", "UID", "SECTION", "PARTIAL"}
    if unknown or "UID" not in fields:  # EXPIRE, URLAUTH (RFC 4467): not here
        raise UrlError("no UID, or a part this server does not take")
    return ImapUrl(
        mailbox=_mailbox(name),
        uid=_nz_number(fields["UID"]),
        uidvalidity=_nz_number(fields["UIDVALIDITY"]) if "UIDVALIDITY" in fields else None,
        section=_section(fields["SECTION"]) if "SECTION" in fields else None,
        partial=_partial(fields["PARTIAL"]) if "PARTIAL" in fields else None,
        user=user,
    )


def _mailbox(encoded: str) -> str:
    try:
        name = urllib.parse.unquote_to_bytes(encoded).decode("utf-8")
    except UnicodeDecodeError:
        raise UrlError("the mailbox is not UTF-8") from None
    if not name:
        raise UrlError("no mailbox")
    return "INBOX" if name.upper() == "INBOX" else name


def _nz_number(text: str) -> int:
    if not _NUMBER.fullmatch(text) or int(text) == 0:
        raise UrlError("not a number from 1 to 4294967295")
    value = int(text)
    if value > 0xFFFFFFFF:
        raise UrlError("not a number from 1 to 4294967295")
    return value


def _section(encoded: str) -> Section:
    """RFC 5092's section is FETCH's section-spec (RFC 3501 §9), percent-encoded."""
    cur = Cursor(urllib.parse.unquote_to_bytes(encoded))
    try:
        section = parse_section(cur)
        cur.end()
    except CommandError:
        raise UrlError("not a section") from None
    return section


def _partial(text: str) -> tuple[int, int | None]:
    origin, dot, length = text.partition(".")
    if not _NUMBER.fullmatch(origin) or (dot and not _NUMBER.fullmatch(length)):
        raise UrlError("not a partial range")
    if dot and int(length) == 0:
        raise UrlError("a partial range of no octets")
    return int(origin), int(length) if dot else None
