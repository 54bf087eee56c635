"""IMAP URLs (RFC 5092) resolved to octets, and URLAUTH (RFC 4467) tokens checked.

Shared by IMAP (CATENATE, GENURLAUTH, URLFETCH) and submission (BURL, RFC 4468), which
reads the message straight from the store rather than over an IMAP connection.

- ``url_target``: the message a URL names in one account's mailstore (None if there is
  no such thing), and from it the section or range (URL-PARTIAL, RFC 5550) as stored,
  decoded (URLFETCH's BINARY, RFC 5524) or its BODYPARTSTRUCTURE; ``url_content`` the
  stored octets at once.
- ``token``: the INTERNAL mechanism (RFC 4467 §7): HMAC-SHA-256 of the rump URL under
  the mailbox's access key, 64 hex digits (the RFC asks for 128 bits at least).
- ``authorized_target``/``authorized_content``: a URL with a URLAUTH verifier, checked
  as RFC 4467 §6.3 and §7 say (the access identifier admits the requester, EXPIRE has
  not passed, the mechanism is INTERNAL, the token is the one the owner's key makes)
  and then read from the owner's mailstore: the one place where a session reads
  another account's message, and only with the token that account made. Any failure is
  None, the same for a mailbox that does not exist as for a wrong token (§7: nothing to
  tell them apart).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from hato.mime import (
    BodyPart,
    MessageInfo,
    Sexp,
    binary_header,
    decoded_entity,
    find_part,
    part_structure_sexp,
    section_bytes,
)
from hato.proto.imap import ImapUrl, UrlAuth
from hato.store import Mailbox, Mailstore, Store

__all__ = [
    "Requester", "UrlTarget", "authorized_content", "authorized_target", "message_mailbox",
    "token", "url_content", "url_target",
]  # fmt: skip

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


@dataclass(frozen=True, slots=True)
class UrlTarget:
    """The message a URL names, read from the store, and what of it the URL asks for."""

    url: ImapUrl
    raw: bytes
    info: MessageInfo

    def content(self) -> bytes:
        """The octets as they are stored (RFC 5092 §5; URLFETCH's BODY, RFC 5524 §3),
        with URL-PARTIAL's range (RFC 5550 §4: a range past the end is empty)."""
        content = self.raw
        section = self.url.section
        if section is not None and (section.part or section.text):
            content = section_bytes(self.raw, self.info, section.part, section.text, section.fields)
        return self._partial(content)

    def binary(self) -> bytes | None:
        """URLFETCH's BINARY (RFC 5524 §3): the named part with every leaf in it decoded
        (``hato.mime.decoded_entity``); a section with HEADER/TEXT/MIME is given as
        stored; None when an encoding cannot be undone."""
        section = self.url.section
        if section is not None and section.text:
            return self.content()
        part = self._part()
        if part is None:
            return b""
        found = decoded_entity(self.raw, part)
        if found is None:
            return None
        body = found[0]
        if part is self.info.root:
            body = binary_header(self.raw, part) + body
        return self._partial(body)

    def structure(self, binary: bool) -> Sexp | None:
        """BODYPARTSTRUCTURE (RFC 5524 §3) of the named part; with BINARY, the sizes and
        line counts of its decoded form, as Dovecot answers. None: no such part."""
        part = self._part()
        if part is not None and binary:
            found = decoded_entity(self.raw, part)
            part = None if found is None else found[1]
        return None if part is None else part_structure_sexp(part)

    def _part(self) -> BodyPart | None:
        section = self.url.section
        return find_part(self.info, section.part if section is not None else ())

    def _partial(self, content: bytes) -> bytes:
        if self.url.partial is None:
            return content
        origin, length = self.url.partial
        return content[origin:] if length is None else content[origin : origin + length]


async def url_target(mailstore: Mailstore, url: ImapUrl) -> UrlTarget | None:
    """The message ``url`` names in ``mailstore``; None if the mailbox or the message is
    not there (or the URL's UIDVALIDITY is not the mailbox's)."""
    mailbox = await mailstore.get_mailbox(url.mailbox)
    if mailbox is None or url.uidvalidity not in (None, mailbox.uidvalidity):
        return None
    raw = (await mailstore.read_messages(mailbox.id, [url.uid])).get(url.uid)
    details = await mailstore.message_details(mailbox.id, [url.uid])
    if raw is None or not details:
        return None
    info = MessageInfo.from_json(details[0].structure_json, len(details[0].prefix))
    return UrlTarget(url, raw, info)


async def url_content(mailstore: Mailstore, url: ImapUrl) -> bytes | None:
    """The octets ``url`` names in ``mailstore``, or None (``url_target``)."""
    target = await url_target(mailstore, url)
    return None if target is None else target.content()


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
    target = await authorized_target(store, url, requester)
    return None if target is None else target.content()


async def authorized_target(store: Store, url: ImapUrl, requester: Requester) -> UrlTarget | None:
    """The message of an authorized URL (see the module docstring), or None."""
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
    return await url_target(mailstore, url)
