"""The one normalisation of a login name, shared by the store lookup and the throttle.

Whatever a client types (``" Alice\t"``, ``"ALICE"``) names one account, and so
one throttle budget: account names are stored lowercase without surrounding
white space, and logins are case-insensitive.
"""

from __future__ import annotations

__all__ = ["normalize_username"]


def normalize_username(name: str) -> str:
    return name.strip().lower()
