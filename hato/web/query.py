"""The search box's language, read by hand into IMAP SEARCH keys (RFC 3501 §6.4.4).

    query  = *SP [term *(1*SP term)] *SP
    term   = [name ":"] value
    name   = "from" / "to" / "subject" / "has" / "is" / "before" / "after"
    value  = word / DQUOTE *(any character but DQUOTE and "\\", or "\\" any) DQUOTE
    word   = 1*(any character but SP and DQUOTE)

Each term is one key, and the keys are ANDed, so a query means what the same
IMAP SEARCH means: ``from:``, ``to:`` and ``subject:`` are FROM, TO and SUBJECT
(substring, i;unicode-casemap); a plain word or quoted phrase is BODY (the decoded
text parts); ``is:unread`` is UNSEEN (``is:read`` SEEN, ``is:flagged`` FLAGGED);
``before:D`` is BEFORE D and ``after:D`` SINCE the day after D (both by the date the
message arrived, as IMAP's BEFORE and SINCE, so neither includes D itself).
``has:attachment`` has no IMAP key: it is answered from the attachment count kept
at delivery (``Query.attachments``). A name that is not one of these makes the
whole term a plain word (``http://example.org`` is searched for in the text).

The text comes from anyone: it is read in one pass, at most MAX_QUERY characters
and MAX_TERMS terms, no regular expression is built from it, and anything it
cannot mean is refused with a ``QueryError`` that says why, in words for people.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass

from hato.proto import imap as p

__all__ = ["MAX_QUERY", "MAX_TERMS", "Query", "QueryError", "parse_query"]

MAX_QUERY = 1000
MAX_TERMS = 20

_HEADERS = {"from": "FROM", "to": "TO", "subject": "SUBJECT"}
_IS = {
    "unread": p.SearchFlag("\\Seen", present=False),
    "read": p.SearchFlag("\\Seen"),
    "flagged": p.SearchFlag("\\Flagged"),
}
_NAMES = frozenset({*_HEADERS, "has", "is", "before", "after"})


class QueryError(ValueError):
    """The query cannot be searched for; the text says why."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the IMAP SEARCH key, and whether only messages with an
    attachment are wanted."""

    key: p.SearchKey
    attachments: bool = False


def parse_query(text: str) -> Query:
    """The ``Query`` the search box's ``text`` asks for (QueryError if none)."""
    if len(text) > MAX_QUERY:
        raise QueryError(f"the search is too long (at most {MAX_QUERY} characters)")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise QueryError("the search contains control characters")
    keys: list[p.SearchKey] = []
    attachments = False
    for name, value in _terms(text):
        if name == "has":
            if value.lower() != "attachment":
                raise QueryError(f"has:{value} is not a search: use has:attachment")
            attachments = True
        else:
            keys.append(_key(name, value))
    if not keys:
        return Query(p.SearchAll(), attachments)
    return Query(keys[0] if len(keys) == 1 else p.SearchAnd(tuple(keys)), attachments)


def _key(name: str | None, value: str) -> p.SearchKey:
    if name is None:
        return p.SearchText("BODY", value)
    if name in _HEADERS:
        return p.SearchHeader(_HEADERS[name], value)
    if name == "is":
        found = _IS.get(value.lower())
        if found is None:
            raise QueryError(f"is:{value} is not a search: use is:unread, is:read or is:flagged")
        return found
    day = _day(name, value)
    if name == "before":
        return p.SearchDate("BEFORE", day)
    return p.SearchDate("SINCE", day + datetime.timedelta(days=1))


def _day(name: str, value: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or day.year < 1900 or day.year > 9000:
        raise QueryError(f"{name}:{value} is not a date: write it as YYYY-MM-DD")
    return day


def _terms(text: str) -> list[tuple[str | None, str]]:
    """(name or None, value) of each term, in order."""
    terms: list[tuple[str | None, str]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return terms
        if len(terms) == MAX_TERMS:
            raise QueryError(f"the search has too many terms (at most {MAX_TERMS})")
        term, pos = _term(text, pos)
        terms.append(term)


def _term(text: str, pos: int) -> tuple[tuple[str | None, str], int]:
    name: str | None = None
    colon = _word_end(text, pos)
    head = text[pos:colon]
    if colon < len(text) and text[colon] == ":" and head.lower() in _NAMES:
        name, pos = head.lower(), colon + 1
    if pos < len(text) and text[pos] == '"':
        value, pos = _quoted(text, pos)
    else:
        end = pos
        while end < len(text) and not text[end].isspace() and text[end] != '"':
            end += 1
        value, pos = text[pos:end], end
        if name is None and pos < len(text) and text[pos] == '"':
            raise QueryError("a quotation mark inside a word: put the phrase in quotes")
    if not value:
        raise QueryError(f"{name}: needs something to search for" if name else "empty phrase")
    return (name, value), pos


def _word_end(text: str, pos: int) -> int:
    """Where a term's name would end: at the first colon, space or quotation mark."""
    end = pos
    while end < len(text) and text[end] not in ':"' and not text[end].isspace():
        end += 1
    return end


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """A quoted phrase from the DQUOTE at ``pos``; backslash escapes the next character."""
    out: list[str] = []
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
        elif char == '"':
            return "".join(out), pos + 1
        else:
            out.append(char)
            pos += 1
    raise QueryError("a quoted phrase is not closed: add the closing quotation mark")
