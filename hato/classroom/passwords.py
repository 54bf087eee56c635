"""Passwords for practice accounts: easy to read off a card and type on a terminal."""

from __future__ import annotations

import secrets

__all__ = ["ALPHABET", "new_password"]

#: Lower-case letters and digits without the ones a student confuses on a printed card
#: (0/o, 1/l/i, and j next to i): 30 characters, so three groups of four carry about
#: 58 bits, plenty for an account that lives for a term behind the login throttle.
ALPHABET = "abcdefghkmnpqrstuvwxyz23456789"
_GROUPS = 3
_GROUP = 4


def new_password() -> str:
    """``xxxx-xxxx-xxxx`` from ``ALPHABET``, drawn with ``secrets``; the hyphens are
    IMAP ATOM-CHARs (RFC 3501 §9), so ``a1 LOGIN name xxxx-xxxx-xxxx`` needs no quotes."""
    return "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(_GROUP)) for _ in range(_GROUPS)
    )
