"""The CAPABILITY lists (RFC 3501 §6.1.1, §7.2.1): only what works is advertised.

Before login: STARTTLS while the connection is plaintext (RFC 3501 §6.2.1),
and either the plaintext mechanisms or LOGINDISABLED (RFC 3501 §6.2.3) with
SCRAM only.  After login: the extensions the handlers implement.
"""

from __future__ import annotations

__all__ = ["after_login", "before_login"]

_COMMON = ("IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE")
_AUTHENTICATED = (
    "MULTIAPPEND", "UNSELECT", "CHILDREN", "NAMESPACE", "UIDPLUS", "LIST-EXTENDED",
    "LIST-STATUS", "MOVE", "STATUS=SIZE", "LITERAL+", "SPECIAL-USE",
)  # fmt: skip


def before_login(*, starttls: bool, plaintext: bool) -> str:
    """SASL-IR (RFC 4959), LITERAL+ (RFC 7888), AUTH= per RFC 3501 §6.2.2."""
    words = [*_COMMON, "LITERAL+"]
    if starttls:
        words.append("STARTTLS")
    if plaintext:
        words += ["AUTH=PLAIN", "AUTH=LOGIN"]
    else:
        words.append("LOGINDISABLED")
    words.append("AUTH=SCRAM-SHA-256")
    return " ".join(words)


def after_login(*, append_limit: int) -> str:
    """APPENDLIMIT (RFC 7889 §3) is the literal limit, the same for every mailbox."""
    return " ".join([*_COMMON, *_AUTHENTICATED, f"APPENDLIMIT={append_limit}"])
