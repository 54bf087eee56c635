"""URLAUTH's commands (RFC 4467 §9):

    genurlauth = "GENURLAUTH" 1*(SP url-rump SP mechanism)
    resetkey   = "RESETKEY" [SP mailbox *(SP mechanism)]
    urlfetch   = "URLFETCH" 1*(SP url-fetch-arg)
    url-rump, url-full = astring     ; read by ``parse_imap_url`` when the command runs
    mechanism  = "INTERNAL" / 1*(ALPHA / DIGIT / "-" / ".")

and URLAUTH=BINARY's extended form (RFC 5524 §3, §5):

    url-fetch-arg   = url-full / "(" url-full *(SP url-fetch-param) ")"
    url-fetch-param = "BODY" / "BINARY" / "BODYPARTSTRUCTURE"

An extended URL without parameters asks for BODY, as Dovecot reads it; BODY and BINARY
together, or a parameter this server does not know, make the command BAD (§3: BINARY is
the data "without any Content-Transfer-Encoding", BODY "as-is": one excludes the other).

The URLs stay text here: a URL that is not one is NO (GENURLAUTH) or NIL (URLFETCH),
not BAD, so the command as a whole parses. At most ``MAX_URLS`` URLs in one command,
each at most ``MAX_URL`` octets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._commands import Command
from ._events import CommandError
from ._grammar_mailbox import parse_mailbox
from ._tokens import Cursor
from ._url import MAX_URL

__all__ = [
    "MAX_URLS", "FetchUrl", "GenUrlAuth", "ResetKey", "UrlFetch", "parse_genurlauth",
    "parse_resetkey", "parse_urlfetch",
]  # fmt: skip

MAX_URLS = 50


@dataclass(frozen=True, slots=True)
class GenUrlAuth(Command):
    """(rump URL, mechanism) pairs, the mechanism in upper case."""

    urls: tuple[tuple[str, str], ...]
    NAME: ClassVar[str] = "GENURLAUTH"


@dataclass(frozen=True, slots=True)
class ResetKey(Command):
    """No mailbox: every key of the account; the mechanisms in upper case."""

    mailbox: str | None
    mechanisms: tuple[str, ...] = ()
    NAME: ClassVar[str] = "RESETKEY"


@dataclass(frozen=True, slots=True)
class FetchUrl:
    """One URL of URLFETCH. ``extended``: asked in RFC 5524's parenthesized form, so
    answered in it; then ``binary`` (else BODY) and ``structure`` (BODYPARTSTRUCTURE)."""

    url: str
    extended: bool = False
    binary: bool = False
    structure: bool = False


@dataclass(frozen=True, slots=True)
class UrlFetch(Command):
    urls: tuple[FetchUrl, ...]
    NAME: ClassVar[str] = "URLFETCH"


_PARAMETERS = frozenset({"BODY", "BINARY", "BODYPARTSTRUCTURE"})


def _url(cur: Cursor) -> str:
    cur.sp()
    return _url_text(cur)


def _url_text(cur: Cursor) -> str:
    raw = cur.astring()
    if len(raw) > MAX_URL:
        raise CommandError("URL too long.")
    return raw.decode("utf-8", "replace")


def _bounded(count: int) -> None:
    if count >= MAX_URLS:
        raise CommandError("Too many URLs.")


def parse_genurlauth(cur: Cursor, tag: str) -> GenUrlAuth:
    pairs: list[tuple[str, str]] = []
    while True:
        _bounded(len(pairs))
        url = _url(cur)
        cur.sp()
        pairs.append((url, cur.keyword()))
        if cur.at_end():
            return GenUrlAuth(tag, tuple(pairs))


def parse_resetkey(cur: Cursor, tag: str) -> ResetKey:
    if cur.at_end():
        return ResetKey(tag, None)
    mailbox = parse_mailbox(cur)
    mechanisms: list[str] = []
    while cur.try_sp():
        _bounded(len(mechanisms))
        mechanisms.append(cur.keyword())
    cur.end()
    return ResetKey(tag, mailbox, tuple(mechanisms))


def parse_urlfetch(cur: Cursor, tag: str) -> UrlFetch:
    urls: list[FetchUrl] = []
    while True:
        _bounded(len(urls))
        cur.sp()
        urls.append(_fetch_url(cur) if cur.try_byte(b"(") else FetchUrl(_url_text(cur)))
        if cur.at_end():
            return UrlFetch(tag, tuple(urls))


def _fetch_url(cur: Cursor) -> FetchUrl:
    """The rest of ``"(" url-full *(SP url-fetch-param) ")"`` (RFC 5524 §5)."""
    url = _url_text(cur)
    asked: set[str] = set()
    while cur.try_sp():
        name = cur.keyword()
        if name not in _PARAMETERS:
            raise CommandError(f"Unknown URL fetch parameter: {name[:40]}")
        asked.add(name)
    cur.expect(b")")
    if {"BODY", "BINARY"} <= asked:
        raise CommandError("URL cannot have both BODY and BINARY fetch parameters.")
    return FetchUrl(url, True, "BINARY" in asked, "BODYPARTSTRUCTURE" in asked)
