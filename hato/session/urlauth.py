"""IMAP URLs (RFC 5092) resolved to octets, and URLAUTH (RFC 4467) tokens checked.

Shared by IMAP (CATENATE, GENURLAUTH, URLFETCH) and submission (BURL, RFC 4468), which
reads the message straight from the store rather than over an IMAP connection.

- ``url_content``: the message, section or range (URL-PARTIAL, RFC 5550) a URL names
  in one account's mailstore; None if there is no such thing.
- ``token``: the INTERNAL mechanism (RFC 4467 §7): HMAC-SHA-256 of the rump URL under
  the mailbox's access key, 64 hex digits (the RFC asks for 128 bits at least).
- ``authorized_content``: a URL with a URLAUTH verifier, checked as RFC 4467 §6.3 and
  §7 say (the access identifier admits the requester, EXPIRE has not passed, the
  mechanism is INTERNAL, the token is the one the owner's key makes) and then read from
  the owner's mailstore: the one place where a session reads another account's message,
  and only with the token that account made. Any failure is None, the same for a
  mailbox that does not exist as for a wrong token (§7: nothing to tell them apart).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from hato.mime import MessageInfo, section_bytes, with_prefix
from hato.proto.imap import ImapUrl, UrlAuth
from hato.store import Mailbox, Mailstore, Store

__all__ = ["Requester", "authorized_content", "message_mailbox", "token", "url_content"]

MECHANISM = "INTERNAL"


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks for an authorized URL: an account's name, and whether as the
    submission server sending that account's message (``submit+``, RFC 4467 §3)."""

    name: str
    submit: bool = False


def token(key: bytes, rump: str) -> str:
    return hmac.new(key, rump.encode("utf-8"), hashlib.sha256).hexdigest()


async def message_mailbox(mailstore: Mailstore, url: ImapUrl) -> Mailbox | None:
    """The mailbox ``url`` names in ``mailstore``, if its message is there (and the
    URL's UIDVALIDITY, if any, is the mailbox's)."""
    mailbox = await mailstore.get_mailbox(url.mailbox)
    if mailbox is None or url.uidvalidity not in (None, mailbox.uidvalidity):
        return None
    if not await mailstore.message_details(mailbox.id, [url.uid]):
        return None
    return mailbox


async def url_content(mailstore: Mailstore, url: ImapUrl) -> bytes | None:
    """The octets ``url`` names in ``mailstore`` (RFC 5092 §5, RFC 5550 §4: a range
    past the end is empty); None if the mailbox or the message is not there."""
    mailbox = await mailstore.get_mailbox(url.mailbox)
    if mailbox is None or url.uidvalidity not in (None, mailbox.uidvalidity):
        return None
    raw = (await mailstore.read_messages(mailbox.id, [url.uid])).get(url.uid)
    details = await mailstore.message_details(mailbox.id, [url.uid])
    if raw is None or not details:
        return None
    content = raw
    if url.section is not None and (url.section.part or url.section.text):
        info = with_prefix(MessageInfo.from_json(details[0].structure_json), len(details[0].prefix))
        section = url.section
        content = section_bytes(raw, info, section.part, section.text, section.fields)
    if url.partial is None:
        return content
    origin, length = url.partial
    return content[origin:] if length is None else content[origin : origin + length]


def admits(auth: UrlAuth, requester: Requester) -> bool:
    """RFC 4467 §3's access identifiers: ``submit+`` is for the submission server acting
    for that user, ``user+`` for that user's own session, ``authuser`` for any account
    of this server, ``anonymous`` for anyone (here: any account, as hato has no
    anonymous login)."""
    if auth.access == "submit":
        return requester.submit and auth.access_user == requester.name
    if auth.access == "user":
        return not requester.submit and auth.access_user == requester.name
    return True


def expired(auth: UrlAuth, now: datetime | None = None) -> bool:
    return auth.expire is not None and auth.expire <= (now or datetime.now(UTC))


async def authorized_content(store: Store, url: ImapUrl, requester: Requester) -> bytes | None:
    """The octets of an authorized URL (see the module docstring), or None."""
    auth = url.urlauth
    if auth is None or auth.token is None or auth.mechanism != MECHANISM or url.user is None:
        return None
    if not admits(auth, requester) or expired(auth):
        return None
    owner = await store.get_account(url.user)
    mailstore = store.mailstore(owner.id) if owner is not None else None
    mailbox = await mailstore.get_mailbox(url.mailbox) if mailstore is not None else None
    key = None
    if mailstore is not None and mailbox is not None:
        key = await mailstore.urlauth_key(mailbox.id, create=False)
    # a token is worked out whatever was missing, so that the time taken tells nothing
    # of which mailboxes exist (RFC 4467 §7)
    expected = token(key or secrets.token_bytes(32), auth.rump)
    if not hmac.compare_digest(expected, auth.token) or key is None or mailstore is None:
        return None
    return await url_content(mailstore, url)
