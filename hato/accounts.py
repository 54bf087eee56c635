"""Account administration above the store: validation, the standard mailboxes, the
administrator flag and API tokens. The ``hato user`` commands and the web console's
administration pages both call these."""

from __future__ import annotations

import dataclasses
import re

from hato.auth.names import normalize_username
from hato.auth.passwords import make_credentials
from hato.auth.tokens import new_token, token_digest
from hato.store.base import INBOX, Account, Credentials, Store

__all__ = [
    "DEFAULT_MAILBOXES",
    "InvalidUsername",
    "add_user",
    "add_user_with",
    "issue_token",
    "set_password",
    "validate_username",
]

#: What a new account starts with, as mail clients expect (RFC 6154 special-use).
DEFAULT_MAILBOXES: tuple[tuple[str, str | None], ...] = (
    (INBOX, None),
    ("Drafts", "\\Drafts"),
    ("Sent", "\\Sent"),
    ("Trash", "\\Trash"),
)

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._+-]{0,63}")


class InvalidUsername(ValueError):
    pass


def validate_username(name: str) -> str:
    """The normalised name, or InvalidUsername.

    Names become the local part of ``NAME@domain`` and a login, so they keep to
    letters, digits and ``. _ + -`` (at most 64, RFC 5321 §4.5.3.1.1).
    """
    normal = normalize_username(name)
    if not _USERNAME.fullmatch(normal) or normal.endswith("."):
        raise InvalidUsername(
            f"invalid user name {name!r}: use letters, digits and . _ + - (at most 64)"
        )
    return normal


async def add_user(
    store: Store, name: str, password: str, apop: bool = False, admin: bool = False
) -> Account:
    """Create an account with INBOX, Drafts, Sent and Trash, all subscribed."""
    account = await add_user_with(store, name, make_credentials(password, apop))
    if admin:
        await store.set_admin(account.name, True)
    return dataclasses.replace(account, admin=admin)


async def add_user_with(store: Store, name: str, credentials: Credentials) -> Account:
    """``add_user`` with credentials made elsewhere (an imported password hash)."""
    account = await store.create_account(validate_username(name), credentials)
    mailstore = store.mailstore(account.id)
    for mailbox, special_use in DEFAULT_MAILBOXES:
        await mailstore.create_mailbox(mailbox, special_use, subscribed=True)
    return account


async def set_password(store: Store, name: str, password: str, apop: bool = False) -> bool:
    """Replace every secret of ``name`` (False: no such account)."""
    return await store.set_credentials(name, make_credentials(password, apop))


async def issue_token(store: Store, name: str) -> str | None:
    """A new API token for ``name`` (None: no such account). An account has one token:
    the new one replaces the old, which stops working at once."""
    token = new_token()
    return token if await store.set_token(name, token_digest(token)) else None
