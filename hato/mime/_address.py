"""Address lists (RFC 5322 §3.4) as IMAP ENVELOPE addresses (RFC 3501 §7.4.2).

    address-list = address *("," address)
    address      = mailbox / group
    group        = display-name ":" [mailbox-list / CFWS] ";" [CFWS]
    mailbox      = name-addr / addr-spec
    name-addr    = [display-name] "<" [obs-route] addr-spec ">"
    addr-spec    = local-part "@" domain

A group becomes (NIL NIL "name" NIL) ... (NIL NIL NIL NIL). Broken input is handled as
Dovecot does: a missing mailbox or host is filled in as MISSING_MAILBOX / MISSING_DOMAIN,
a broken angle address gets host SYNTAX_ERROR, a comment names an addr-spec, and parsing
stops at the first address not followed by a comma.
"""

from __future__ import annotations

import re

from hato.mime._lexer import atom, quoted, skip_cfws, word
from hato.mime._model import Address

GROUP_END: Address = (None, None, None, None)


class _Parser:
    """Recursive-descent state over one unfolded header value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[Address] = []

    def at(self, char: str) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] == char

    def skip(self, comments: list[str] | None = None) -> bool:
        """Skip CFWS; True if anything is left."""
        self.pos = skip_cfws(self.text, self.pos, comments)
        return self.pos < len(self.text)

    def phrase(self) -> str:
        """``1*word`` with obs-phrase dots; words joined by one space."""
        words: list[str] = []
        while self.skip():
            value, end = word(self.text, self.pos)
            if value is None and words and self.at("."):
                value, end = ".", self.pos + 1
            if value is None:
                break
            words.append(value)
            self.pos = end
        return " ".join(words)

    def dot_atom(self) -> str:
        """A local-part or domain: dot-atom, obs forms with CFWS, or a quoted string."""
        if self.at('"'):
            value, self.pos = quoted(self.text, self.pos)
            return value
        value, self.pos = atom(self.text, self.pos, dots=True)
        return value

    def domain(self) -> str:
        """``"@" domain``: a dot-atom or a domain-literal, at the '@'."""
        self.pos += 1
        self.skip()
        if self.at("["):
            end = self.text.find("]", self.pos)
            end = len(self.text) if end < 0 else end + 1
            literal, self.pos = self.text[self.pos : end], end
            return literal
        return self.dot_atom()


def parse_addresses(text: str) -> tuple[Address, ...]:
    """Parse an address-list header value; an empty tuple means NIL."""
    return _simple_list(text) or _parsed(text)


# The shapes most mail has, ``local@domain`` and ``Some Name <local@domain>``, separated by
# commas: read by one pattern an address, with the parser's own character classes. A
# value with anything else (a quote, a comment, a group, a route, a domain literal, an
# empty member, white space around "@") is left to the parser, whose answer it would be.
_NAME_ATOM = r'[^\x00-\x20()<>\[\]:;@\\,."\x7f]+'
_DOT_ATOM = r'[^\x00-\x20()<>\[\]:;@\\,"\x7f]+'
_WSP = r"[ \t\r\n]"
_SIMPLE = re.compile(
    rf"{_WSP}*(?:(?:({_NAME_ATOM}(?:{_WSP}+{_NAME_ATOM})*){_WSP}*)?<({_DOT_ATOM})@({_DOT_ATOM})>"
    rf"|({_DOT_ATOM})@({_DOT_ATOM})){_WSP}*"
)
_WSP_RUN = re.compile(rf"{_WSP}+")


def _simple_list(text: str) -> tuple[Address, ...] | None:
    """The addresses of a value made of the common shapes only, else None."""
    out: list[Address] = []
    for member in text.split(","):
        match = _SIMPLE.fullmatch(member)
        if match is None:
            return None
        name, mailbox, host, bare_mailbox, bare_host = match.groups()
        if mailbox is None:
            out.append((None, None, bare_mailbox, bare_host))
        else:
            out.append((_WSP_RUN.sub(" ", name) if name else None, None, mailbox, host))
    return tuple(out)


def _parsed(text: str) -> tuple[Address, ...]:
    """The address list as the parser reads it, whatever the text."""
    parser = _Parser(text)
    if not parser.skip():
        return ()
    while True:
        _address(parser)
        if not parser.skip() or not parser.at(","):
            break
        parser.pos += 1
        if not parser.skip():
            break
    return tuple(parser.out)


def _address(p: _Parser) -> None:
    start = p.pos
    name = p.phrase()
    if name and p.at(":"):
        _group(p, name)
        return
    p.pos = start
    _mailbox(p)


def _group(p: _Parser, name: str) -> None:
    p.pos += 1
    p.out.append((None, None, name, None))
    if p.skip() and not p.at(";"):
        while True:
            _mailbox(p)
            if not p.skip() or not p.at(","):
                break
            p.pos += 1
    if p.skip() and p.at(";"):
        p.pos += 1
    p.out.append(GROUP_END)


def _mailbox(p: _Parser) -> None:
    p.skip()
    start = p.pos
    name = p.phrase()
    if p.at("<"):
        p.out.append(_fill(name or None, *_angle_addr(p)))
        return
    p.pos = start
    p.out.append(_addr_spec(p))


def _angle_addr(p: _Parser) -> tuple[str | None, str | None, str | None]:
    """``"<" [route ":"] local-part "@" domain ">"`` -> (adl, mailbox, host)."""
    p.pos += 1
    p.skip()
    route = _route(p) if p.at("@") else None
    mailbox = host = None
    if not p.at(">"):
        mailbox = p.dot_atom() or None
        p.skip()
        if p.at("@"):
            host = p.domain()
            p.skip()
    if not p.at(">"):
        end = p.text.find(">", p.pos)
        p.pos = len(p.text) if end < 0 else end + 1
        return route, mailbox, "SYNTAX_ERROR"
    p.pos += 1
    return route, mailbox, host


def _route(p: _Parser) -> str:
    """``obs-route = obs-domain-list ":"`` -> "@a,@b"."""
    hops: list[str] = []
    while p.at("@"):
        hops.append("@" + p.domain())
        while p.skip() and p.at(","):
            p.pos += 1
    if p.at(":"):
        p.pos += 1
        p.skip()
        return ",".join(hops)
    return "INVALID_ROUTE"


def _addr_spec(p: _Parser) -> Address:
    comments: list[str] = []
    is_quoted = p.at('"')
    mailbox: str | None = p.dot_atom()
    p.skip(comments)
    host: str | None = None
    if p.at("@"):
        host = p.domain()
        p.skip(comments)
    if comments:
        return _fill(comments[-1], None, mailbox or None, host)
    if host is None:
        # "user" alone is a mailbox; "Some Name" without an address is a display name.
        rest = p.phrase()
        if rest:
            return _fill(" ".join(filter(None, (mailbox, rest))), None, None, None)
        if not mailbox:
            if p.pos < len(p.text) and p.text[p.pos] not in ",;":
                p.pos += 1  # an unexpected special: step over it
            return _fill(None, None, None, None)
        if is_quoted:
            return _fill(mailbox, None, None, None)
    return _fill(None, None, mailbox or None, host)


def _fill(name: str | None, route: str | None, mailbox: str | None, host: str | None) -> Address:
    return (name, route, mailbox or "MISSING_MAILBOX", host or "MISSING_DOMAIN")
