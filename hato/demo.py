"""``--demo``: the lecture's classroom account, as README.md describes it, and an
administrator for the web console.

Account ``is_network`` (password ``3is_network``) with INBOX, Drafts, Sent,
Trash and Archives, a child under INBOX and under Archives (so that
``LIST "" "%"`` answers with ``\\HasChildren`` as on the slide), and exactly one
message in INBOX: a welcome telling the student what to try. The classroom account is
a normal user; the administrator is ``admin``, with a random password that is printed
once, when the account is made.
"""

from __future__ import annotations

import email.utils
import secrets
import time

from hato.accounts import add_user
from hato.store.base import INBOX, Delivery, Store
from hato.store.meta import message_meta

__all__ = ["DEMO_ADMIN", "DEMO_PASSWORD", "DEMO_USER", "ensure_demo_account", "ensure_demo_admin"]

DEMO_ADMIN = "admin"
DEMO_USER = "is_network"
DEMO_PASSWORD = "3is_network"  # noqa: S105 - the lecture's published classroom password
_EXTRA_MAILBOXES = ("Archives", "INBOX.lecture", "Archives.2026")

_WELCOME_BODY = """\
Welcome to hato, the lecture's mail server.

Things to try from a terminal (the password is 3is_network):

  telnet localhost 10110          POP3: USER is_network / PASS 3is_network,
                                  then STAT, LIST, UIDL, TOP 1 0, RETR 1, QUIT
  telnet localhost 10143          IMAP: a1 LOGIN is_network 3is_network,
                                  a2 LIST "" "%", a3 SELECT INBOX,
                                  a4 FETCH 1 BODY[], a5 LOGOUT
  openssl s_client -connect localhost:10995 -quiet    POP3S (TLS)
  openssl s_client -connect localhost:10993 -quiet    IMAPS (TLS)
  telnet localhost 10025          SMTP: send yourself a message

Remember the manners: a Subject, the addressee's name at the top,
your own name at the end, Bcc for long lists, and no HTML mail.
"""


def welcome_message(hostname: str, when: float) -> bytes:
    headers = [
        "From: hato <hato@localhost>",
        f"To: {DEMO_USER} <{DEMO_USER}@localhost>",
        "Subject: Welcome to hato",
        f"Date: {email.utils.formatdate(when, usegmt=True).replace('GMT', '+0000')}",
        f"Message-ID: <welcome.{int(when)}@{hostname}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
    ]
    text = "\r\n".join(headers) + "\r\n\r\n" + _WELCOME_BODY.replace("\n", "\r\n")
    return text.encode("ascii")


async def ensure_demo_account(store: Store, hostname: str) -> bool:
    """Create the classroom account when missing; True if it was created."""
    if await store.get_account(DEMO_USER) is not None:
        return False
    account = await add_user(store, DEMO_USER, DEMO_PASSWORD, apop=True)
    mailstore = store.mailstore(account.id)
    for name in _EXTRA_MAILBOXES:
        await mailstore.create_mailbox(name, subscribed=True)
    now = time.time()
    content = welcome_message(hostname, now)
    prefix = f"Return-Path: <hato@localhost>\r\nDelivered-To: {DEMO_USER}\r\n".encode()
    delivery = Delivery(account.id, INBOX, prefix)
    await store.deliver(content, message_meta(content), int(now), [delivery])
    return True


async def ensure_demo_admin(store: Store) -> str | None:
    """Create the ``admin`` account when missing; its password if it was created."""
    if await store.get_account(DEMO_ADMIN) is not None:
        return None
    password = secrets.token_urlsafe(12)
    await add_user(store, DEMO_ADMIN, password, admin=True)
    return password
