"""The CAPABILITY lists (RFC 3501 §6.1.1, §7.2.1): only what works is advertised.

IMAP4rev2 (RFC 9051) is listed in both, after the slide's words so that the
lecture's lists stay as they are; a session takes its rules once the client sends
ENABLE IMAP4rev2 (RFC 9051 Appendix A).

Before login: STARTTLS while the connection is plaintext (RFC 3501 §6.2.1),
and either the plaintext mechanisms or LOGINDISABLED (RFC 3501 §6.2.3) with
SCRAM only.  After login: the extensions the command table's handlers
implement (``hato.imap.commands.table.command_table``), in the order of the
lecture's LOGIN slide (Dovecot's order), then the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["after_login", "before_login", "in_order"]

_COMMON = ("IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE")

#: Every capability hato may list after login, in the slide's order.
_ORDER = (
    "IMAP4rev1", "LITERAL+", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "SORT",
    "SORT=DISPLAY", "THREAD=REFERENCES", "THREAD=REFS", "THREAD=ORDEREDSUBJECT", "MULTIAPPEND",
    "UNSELECT", "IDLE", "CHILDREN", "NAMESPACE", "UIDPLUS", "LIST-EXTENDED", "I18NLEVEL=1",
    "CONDSTORE", "QRESYNC", "ESEARCH", "ESORT", "SEARCHRES", "WITHIN", "CONTEXT=SEARCH",
    "CONTEXT=SORT", "LIST-STATUS", "BINARY", "MOVE", "SNIPPET=FUZZY", "PREVIEW=FUZZY", "PREVIEW",
    "STATUS=SIZE", "SAVEDATE",
    "NOTIFY", "SPECIAL-USE", "COMPRESS=DEFLATE", "QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE",
    "UNAUTHENTICATE", "UTF8=ACCEPT", "IMAP4rev2", "REPLACE", "OBJECTID", "URL-PARTIAL",
    "CATENATE", "URLAUTH", "URLAUTH=BINARY", "METADATA", "MULTISEARCH",
)  # fmt: skip


def in_order(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` in the listing order, with the base capabilities every session has.

    A name not in the order is an error, so the order stays in one place and a
    typo cannot advertise nonsense.
    """
    wanted = {*_COMMON, *names}
    unknown = wanted - set(_ORDER)
    if unknown:
        raise ValueError(f"not in the capability order: {sorted(unknown)}")
    return tuple(name for name in _ORDER if name in wanted)


def before_login(*, starttls: bool, plaintext: bool) -> str:
    """SASL-IR (RFC 4959), LITERAL+ (RFC 7888), IMAP4rev2 (RFC 9051 §6.1.1), AUTH= per
    RFC 3501 §6.2.2."""
    words = [*_COMMON, "LITERAL+", "IMAP4rev2"]
    if starttls:
        words.append("STARTTLS")
    if plaintext:
        words += ["AUTH=PLAIN", "AUTH=LOGIN"]
    else:
        words.append("LOGINDISABLED")
    words.append("AUTH=SCRAM-SHA-256")
    return " ".join(words)


def after_login(names: Iterable[str], *, append_limit: int) -> str:
    """APPENDLIMIT (RFC 7889 §3) is the literal limit, the same for every mailbox."""
    return " ".join([*names, f"APPENDLIMIT={append_limit}"])
