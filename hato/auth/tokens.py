"""API tokens (``Authorization: Bearer``, RFC 6750 §2.1): made here, kept only as a digest.

A token is 32 random bytes, so its SHA-256 is all the store needs to recognise it:
unlike a password it cannot be guessed from a list, and a stolen database gives no
token back. The ``hato_`` prefix lets secret scanners and people tell what it is.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_token", "token_digest"]

_PREFIX = "hato_"


def new_token() -> str:
    return _PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
