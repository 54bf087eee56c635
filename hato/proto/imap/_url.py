"""IMAP URLs (RFC 5092) naming a message or a part of it, as CATENATE (RFC 4469) takes them.

    imapurl     = "imap://" iserver ipath-query        ; the absolute form, RFC 5092 §11
    ipath       = "/" enc-mailbox [uidvalidity] iuid [isection] [ipartial]
                                                       ; the relative form, RFC 4469 §5
    uidvalidity = ";UIDVALIDITY=" nz-number
    iuid        = "/;UID=" nz-number
    isection    = "/;SECTION=" enc-section
    ipartial    = "/;PARTIAL=" number ["." nz-number]  ; URL-PARTIAL, RFC 5550 §4
    iurlauth    = [";EXPIRE=" date-time] ";URLAUTH=" access [":" mechanism ":" token]
                                                       ; RFC 4467 §2, absolute form only
    access      = "submit+" enc-user / "user+" enc-user / "authuser" / "anonymous"

Names are case-insensitive; the mailbox and the section are percent-encoded, the
mailbox as UTF-8 (RFC 5092 §3.3). The URLAUTH part follows the message's last part
(``;UID=``, ``;SECTION=`` or ``;PARTIAL=``) with no "/" (RFC 5092 §11's
``imessagepart iurlauth``); the "rump" is the URL up to its access identifier, the
octets the token is worked out from (RFC 4467 §2). The section is read as FETCH
reads its own (``_fetch``). Every URL is at most ``MAX_URL`` octets, and nothing
here is a regular expression built from it.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime

from ._events import CommandError
from ._fetch import Section, parse_section
from ._tokens import Cursor

__all__ = ["MAX_URL", "ImapUrl", "UrlAuth", "UrlError", "parse_imap_url"]

MAX_URL = 4096
_NUMBER = re.compile(r"[0-9]{1,10}")
_SERVER = re.compile(r"imap://[^/]{1,1024}", re.IGNORECASE)
_USER = re.compile(r"([^;@]*)(?:;AUTH=[^@]*)?@", re.IGNORECASE)
_TOKEN = re.compile(r"[0-9A-Fa-f]{32,128}")
_MECHANISM = re.compile(r"[A-Za-z0-9.-]{1,64}")
_ACCESS_USER = ("SUBMIT+", "USER+")
_ACCESS_ALONE = ("AUTHUSER", "ANONYMOUS")


class UrlError(ValueError):
    """The URL is not one this server can resolve; the text says why, for the log."""


@dataclass(frozen=True, slots=True)
class UrlAuth:
    """A URL's URLAUTH part (RFC 4467 §2): who may fetch it, until when, and its token.

    ``access`` is ``submit``, ``user``, ``authuser`` or ``anonymous`` (lower case),
    ``access_user`` the user the first two name. ``mechanism`` and ``token`` are None in
    a rump URL (GENURLAUTH's argument), set in an authorized one (URLFETCH's).
    """

    rump: str
    access: str
    access_user: str | None = None
    expire: datetime | None = None
    mechanism: str | None = None
    token: str | None = None


@dataclass(frozen=True, slots=True)
class ImapUrl:
    """A message of one of the user's mailboxes, or a section of it, or a range of that."""

    mailbox: str
    uid: int
    uidvalidity: int | None = None
    section: Section | None = None
    partial: tuple[int, int | None] | None = None  # (origin, length or to the end)
    user: str | None = None  # the absolute form's user, if it names one
    urlauth: UrlAuth | None = None  # RFC 4467: only in the absolute form


def parse_imap_url(url: str) -> ImapUrl:
    """``url`` read as RFC 5092 writes it (see the module docstring); UrlError if not."""
    if len(url) > MAX_URL or not url.isascii():
        raise UrlError("not a URL this server reads")
    user, path, urlauth = None, url, None
    server = _SERVER.match(url)
    if server is not None:
        authority, path = server.group()[7:], url[server.end() :]
        found = _USER.match(authority)
        user = urllib.parse.unquote(found.group(1)) if found else None
        path, urlauth = _urlauth(url, len(url) - len(path))
    if not path.startswith("/"):
        raise UrlError("not an absolute path")
    mailbox_part, *parts = path[1:].split("/")
    return dataclasses.replace(_message(mailbox_part, parts, user), urlauth=urlauth)


def _urlauth(url: str, path_at: int) -> tuple[str, UrlAuth | None]:
    """(the path without its URLAUTH part, that part) of an absolute URL."""
    upper = url.upper()
    at = upper.find(";URLAUTH=", path_at)
    if at < 0:
        if upper.find(";EXPIRE=", path_at) >= 0:
            raise UrlError("EXPIRE without URLAUTH")
        return url[path_at:], None
    start = upper.rfind(";EXPIRE=", path_at, at)
    expire = None
    if start >= 0:
        expire = _expire(url[start + 8 : at])
    else:
        start = at
    access, _, verifier = url[at + 9 :].partition(":")
    rump = url[: at + 9 + len(access)]
    kind, access_user = _access(access)
    mechanism, token = _verifier(verifier) if verifier else (None, None)
    found = UrlAuth(rump, kind, access_user, expire, mechanism, token)
    return url[path_at:start], found


def _expire(text: str) -> datetime:
    """RFC 4467 §2's date-time (RFC 3339), with its zone."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UrlError("EXPIRE is not a date-time") from None
    if when.tzinfo is None:
        raise UrlError("EXPIRE without a zone")
    return when


def _access(text: str) -> tuple[str, str | None]:
    upper = text.upper()
    if upper in _ACCESS_ALONE:
        return upper.lower(), None
    for prefix in _ACCESS_USER:
        if upper.startswith(prefix) and len(text) > len(prefix):
            return prefix[:-1].lower(), urllib.parse.unquote(text[len(prefix) :])
    raise UrlError("not an access identifier of RFC 4467")


def _verifier(text: str) -> tuple[str, str]:
    mechanism, colon, token = text.partition(":")
    if not colon or not _MECHANISM.fullmatch(mechanism) or not _TOKEN.fullmatch(token):
        raise UrlError("not a URLAUTH verifier")
    return mechanism.upper(), token.lower()


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
