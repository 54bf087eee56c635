"""URLAUTH's commands (RFC 4467 §9):

    genurlauth = "GENURLAUTH" 1*(SP url-rump SP mechanism)
    resetkey   = "RESETKEY" [SP mailbox *(SP mechanism)]
    urlfetch   = "URLFETCH" 1*(SP url-full)
    url-rump, url-full = astring     ; read by ``parse_imap_url`` when the command runs
    mechanism  = "INTERNAL" / 1*(ALPHA / DIGIT / "-" / ".")

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
    "MAX_URLS", "GenUrlAuth", "ResetKey", "UrlFetch", "parse_genurlauth", "parse_resetkey",
    "parse_urlfetch",
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
class UrlFetch(Command):
    urls: tuple[str, ...]
    NAME: ClassVar[str] = "URLFETCH"


def _url(cur: Cursor) -> str:
    cur.sp()
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
    urls: list[str] = []
    while True:
        _bounded(len(urls))
        urls.append(_url(cur))
        if cur.at_end():
            return UrlFetch(tag, tuple(urls))
