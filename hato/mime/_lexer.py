"""A small RFC 5322 §3.2 lexer: CFWS, atoms, tokens, quoted strings and comments.

Every function takes the text and a position and returns the new position; none raises,
whatever the input. Comments may nest (RFC 5322 §3.2.2) and may end the text unclosed.
"""

from __future__ import annotations

import re

WSP = " \t\r\n"
# RFC 2045 §5.1 token: any CHAR except SPACE, CTLs and tspecials (8-bit allowed, as Dovecot).
_TOKEN = re.compile(r'[^\x00-\x20()<>@,;:\\"/\[\]?=\x7f]+')
# RFC 5322 §3.2.3 atext (8-bit allowed for robustness).
_ATOM = re.compile(r'[^\x00-\x20()<>\[\]:;@\\,."\x7f]+')
_DOT_ATOM = re.compile(r'[^\x00-\x20()<>\[\]:;@\\,"\x7f]+')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)("?)', re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


def skip_cfws(text: str, pos: int, comments: list[str] | None = None) -> int:
    """Skip white space and comments; append each comment's text to ``comments``."""
    end = len(text)
    while pos < end:
        char = text[pos]
        if char in WSP:
            pos += 1
        elif char == "(":
            pos = _comment(text, pos, comments)
        else:
            break
    return pos


def _comment(text: str, pos: int, comments: list[str] | None) -> int:
    depth, start, pos = 0, pos + 1, pos
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                break
        pos += 1
    if comments is not None:
        comments.append(_UNESCAPE.sub(r"\1", text[start:pos]))
    return pos + 1


def token(text: str, pos: int) -> tuple[str, int]:
    """An RFC 2045 token at ``pos`` (empty if none)."""
    match = _TOKEN.match(text, pos)
    return ("", pos) if match is None else (match.group(), match.end())


def atom(text: str, pos: int, dots: bool = False) -> tuple[str, int]:
    """An atom (or with ``dots`` a dot-atom, leniently) at ``pos`` (empty if none)."""
    match = (_DOT_ATOM if dots else _ATOM).match(text, pos)
    return ("", pos) if match is None else (match.group(), match.end())


def quoted(text: str, pos: int) -> tuple[str, int]:
    """The unescaped content of the quoted-string at ``pos`` (which holds a DQUOTE)."""
    match = _QUOTED.match(text, pos)
    if match is None:  # pragma: no cover - the pattern matches any text starting with '"'
        return "", len(text)
    return _UNESCAPE.sub(r"\1", match.group(1)), match.end()


def word(text: str, pos: int) -> tuple[str | None, int]:
    """A word (atom or quoted-string, RFC 5322 §3.2.5) at ``pos``, or None."""
    if pos < len(text) and text[pos] == '"':
        return quoted(text, pos)
    value, end = atom(text, pos)
    return (value, end) if value else (None, pos)
