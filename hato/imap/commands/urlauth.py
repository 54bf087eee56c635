"""URLAUTH (RFC 4467): GENURLAUTH, RESETKEY and URLFETCH.

GENURLAUTH (§6.1) makes a URL that lets someone else fetch one of the user's
messages (or a part of it): the rump URL must be absolute, name this user and a
message that is there, carry ``;URLAUTH=access`` and no verifier, and not have
expired; the mechanism must be INTERNAL (the only one, listed in no URLMECH code).
The answer is the rump with ``:INTERNAL:token`` after it (``hato.session.urlauth``).
A rump that fails any check makes the command NO, and no URL is made.

RESETKEY (§6.2) forgets the mailbox's key (or every key of the account), so that
no URL made before works. URLFETCH (§6.3) answers each URL with its octets or NIL
(a URL it cannot read, one whose token or access does not admit this user, one
past its EXPIRE), one URLFETCH response per URL, so only one message is held at once.
A URL asked in URLAUTH=BINARY's form (RFC 5524) is answered with its
BODYPARTSTRUCTURE and its octets as stored (BODY) or decoded (BINARY).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.reply import Reply, no
from hato.proto import imap as c
from hato.proto.imap import Atom, ImapUrl, Literal, UrlError, Value, parse_imap_url, untagged
from hato.session.urlauth import (
    MECHANISM,
    Requester,
    UrlTarget,
    authorized_target,
    expired,
    message_mailbox,
    token,
)
from hato.store import NoSuchMailbox

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["genurlauth", "resetkey", "urlfetch"]


async def genurlauth(session: ImapSession, cmd: c.GenUrlAuth) -> Reply:
    made: list[str] = []
    for rump, mechanism in cmd.urls:
        if mechanism != MECHANISM:
            raise no(f"Unsupported URLAUTH mechanism: {mechanism[:40]}")
        url = _rump(session, rump)
        mailbox = await message_mailbox(session.mailstore, url)
        if mailbox is None:
            raise no("Invalid URL: no such message.")
        key = await session.mailstore.urlauth_key(mailbox.id, create=True)
        assert key is not None
        made.append(f"{rump}:{MECHANISM}:{token(key, rump)}")
    session.send(untagged(Atom("GENURLAUTH"), *made))
    return Reply("GENURLAUTH completed.")


def _rump(session: ImapSession, rump: str) -> ImapUrl:
    """The rump URL read and checked (RFC 4467 §6.1); NO says what is wrong with it."""
    try:
        url = parse_imap_url(rump)
    except UrlError as error:
        raise no(f"Invalid URL: {error}.") from None
    auth = url.urlauth
    if auth is None or auth.token is not None:
        raise no("Invalid URL: not an URLAUTH rump URL.")
    account = session.account
    if account is None or url.user != account.name:
        raise no("Not permitted to generate URLAUTH for that user.")
    if expired(auth):
        raise no("URLAUTH has already expired.")
    return url


async def resetkey(session: ImapSession, cmd: c.ResetKey) -> Reply:
    if any(mechanism != MECHANISM for mechanism in cmd.mechanisms):
        raise no("Unsupported URLAUTH mechanism.")
    mailbox_id = None
    if cmd.mailbox is not None:
        mailbox = await session.mailstore.get_mailbox(cmd.mailbox)
        if mailbox is None:
            raise NoSuchMailbox(cmd.mailbox)
        mailbox_id = mailbox.id
    await session.mailstore.reset_urlauth_keys(mailbox_id)
    return Reply("RESETKEY completed.")


async def urlfetch(session: ImapSession, cmd: c.UrlFetch) -> Reply:
    account = session.account
    assert account is not None  # the state table admits URLFETCH after login only
    requester = Requester(account.name)
    for asked in cmd.urls:
        target = None
        try:
            url = parse_imap_url(asked.url)
        except UrlError:
            pass
        else:
            target = await authorized_target(session.context.store, url, requester)
        session.send(untagged(Atom("URLFETCH"), asked.url, _fetched(asked, target)))
    return Reply("URLFETCH completed.")


def _fetched(asked: c.FetchUrl, target: UrlTarget | None) -> Value:
    """RFC 4467 §6.3's nstring, or RFC 5524 §3's list for the extended form:
    BODYPARTSTRUCTURE, then BODY or BINARY (NIL: an encoding that cannot be undone),
    in Dovecot's order. NIL for a URL that gives nothing, in either form."""
    if target is None:
        return None
    if not asked.extended:
        return Literal(target.content())
    items: list[Value] = []
    if asked.structure and (structure := target.structure(asked.binary)) is not None:
        items += [Atom("BODYPARTSTRUCTURE"), structure]
    if asked.binary:
        data = target.binary()
        items += [Atom("BINARY"), None if data is None else Literal(data, binary=True)]
    elif not asked.structure:
        items += [Atom("BODY"), Literal(target.content())]
    return items
