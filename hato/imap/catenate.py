"""CATENATE (RFC 4469): a message APPENDed as the join of text and parts of stored messages.

Each ``URL`` part is an IMAP URL (RFC 5092, ``hato.proto.imap.parse_imap_url``) naming a
message of the user's own mailboxes, or a section of it (FETCH's sections), or a range
of that (URL-PARTIAL, RFC 5550: a range past the end is empty). The join is made before
the message is stored, so the rest of APPEND (the one transaction of MULTIAPPEND, the
APPENDUID, the budget) is APPEND's own (``hato.imap.commands.append``).

A URL with a URLAUTH verifier (RFC 4467) is read as URLFETCH reads it
(``hato.session.urlauth``), another user's message too if its token admits this user.
A URL that cannot be resolved — not one this server reads, a mailbox that does not
exist (or is another user's: it is looked for among the user's own only, and answered
the same), a UIDVALIDITY that is not the mailbox's, a message that is not there, a
URLAUTH that does not admit the user — makes
the whole APPEND ``NO [BADURL url]`` (RFC 4469 §5), and nothing is stored. The join is
held to the APPEND limit as it grows (``NO [TOOBIG]``), so a few URLs to large messages
cannot make one too large to keep: each part is read only after the ones before it
fitted.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from hato.imap.reply import ImapError, no
from hato.proto import imap as c
from hato.proto.imap import UrlError, parse_imap_url
from hato.session.urlauth import Requester, authorized_content, url_content

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["joined"]

_URL_SHOWN = 200  # octets of a refused URL said back in BADURL


async def joined(session: ImapSession, message: c.AppendMessage) -> c.AppendMessage:
    """``message`` with its CATENATE parts joined into its data (unchanged without any)."""
    if message.catenate is None:
        return message
    limit = session.context.max_literal
    out = bytearray()
    binary = False
    for part in message.catenate:
        if isinstance(part, c.CatenateText):
            data = part.data if isinstance(part.data, bytes) else part.data.read()
            binary = binary or part.binary
        else:
            data = await _resolved(session, part.url)
        if len(out) + len(data) > limit:
            raise no("Message too large.", "TOOBIG")
        out += data
    return dataclasses.replace(message, data=bytes(out), binary=binary, catenate=None)


async def _resolved(session: ImapSession, url: str) -> bytes:
    try:
        found = parse_imap_url(url)
    except UrlError:
        raise _bad_url(url) from None
    account = session.account
    assert account is not None  # APPEND is for the authenticated state
    if found.urlauth is not None:  # RFC 4469 §5: a URLAUTH URL is checked as URLFETCH does
        data = await authorized_content(session.context.store, found, Requester(account.name))
    elif found.user is not None and found.user != account.name:
        data = None  # another user's: as if it did not exist
    else:
        data = await url_content(session.mailstore, found)
    if data is None:
        raise _bad_url(url)
    return data


def _bad_url(url: str) -> ImapError:
    """RFC 4469 §5: ``BADURL`` names the URL (any "]" left out, so the code stays one)."""
    shown = url[:_URL_SHOWN].replace("]", "")
    return no("Can't resolve the URL.", f"BADURL {shown}")
