"""Mailbox names between the wire and the store (RFC 3501 §5.1, §5.1.3).

The store keeps names as UTF-8 with "." as the hierarchy separator; the
wire carries them in modified UTF-7, or as UTF-8 to a session that enabled
UTF8=ACCEPT (RFC 6855 §3).  Names are names, never paths (the
account-isolation invariant of docs/architecture.md): empty levels, control characters,
a leading "/" or "~", and overlong names are refused before the store sees them.
"""

from __future__ import annotations

import re

from hato.imap.reply import no
from hato.proto.imap import Atom, Utf8Quoted, Value, encode_mutf7

__all__ = ["MAX_MAILBOXES", "SEPARATOR", "check_name", "parents", "wire_name", "wire_value"]

SEPARATOR = "."
MAX_NAME = 255
# mailboxes (and subscriptions) of one account: every LIST walks them all
MAX_MAILBOXES = 10_000
_ATOM_SAFE = re.compile(r"[A-Za-z0-9._+&-]+\Z")
# C0 and C1 controls, DEL, LINE and PARAGRAPH SEPARATOR: never in a name (RFC 6855 §3)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def wire_name(name: str) -> str:
    return encode_mutf7(name)


def wire_value(name: str, quoted: bool = True, *, utf8: bool = False) -> Value:
    """The name as a quoted string (the slides' LIST), or an atom when it can be
    one (Dovecot's STATUS); UTF-8 itself when the session enabled UTF8=ACCEPT."""
    text = name if utf8 else wire_name(name)
    if not quoted and _ATOM_SAFE.match(text):
        return Atom(text)
    return Utf8Quoted(text) if utf8 else text


def check_name(name: str) -> str:
    """A name fit to create: a trailing separator is dropped (RFC 3501 §6.3.3)."""
    if name.endswith(SEPARATOR) and len(name) > 1:
        name = name[:-1]
    levels = name.split(SEPARATOR)
    if not name or any(not level for level in levels) or _CONTROL.search(name):
        raise no("Invalid mailbox name.")
    if name[0] in "/~":
        # they look like absolute paths or other users' homes (Dovecot refuses them too)
        raise no(f"Invalid mailbox name: {name[:40]!r} is not a path.")
    if len(name.encode()) > MAX_NAME:
        raise no("Mailbox name too long.")
    return name


def parents(name: str) -> list[str]:
    """Every superior name, outermost first: "a.b.c" -> ["a", "a.b"]."""
    levels = name.split(SEPARATOR)
    return [SEPARATOR.join(levels[:depth]) for depth in range(1, len(levels))]
