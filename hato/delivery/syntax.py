"""Address syntax (RFC 5321 §4.1.2, with RFC 6531 §3.3's UTF-8), checked once for all.

    Mailbox        = Local-part "@" ( Domain / address-literal )
    Local-part     = Dot-string / Quoted-string
    Dot-string     = Atom *("."  Atom)
    Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
    QcontentSMTP   = qtextSMTP / quoted-pairSMTP
    Domain         = sub-domain *("." sub-domain)
    sub-domain     = Let-dig [Ldh-str]

``atext`` is RFC 5322 §3.2.3's; RFC 6531 adds every non-ASCII character to it and
to ``qtextSMTP``, and lets a sub-domain be a U-label. A local part has at most 64
octets (RFC 5321 §4.5.3.1.1), a domain at most 253 in its dotted form (the 255
octets of RFC 1035 §2.3.4 on the wire). The patterns do not backtrack beyond one
label: dots separate their repetitions.
"""

from __future__ import annotations

import re

__all__ = ["is_domain", "is_dot_string", "is_mailbox"]

_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\U0010ffff]"
_DOT_STRING = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_QUOTED_STRING = re.compile(r'"(?:[ !#-\[\]-~\u0080-\U0010ffff]|\\[ -~])*"')
#: RFC 1035 §2.3.1 labels (with RFC 1123 §2.1's leading digits), at most 63 octets each.
_DOMAIN = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)


def is_domain(text: str) -> bool:
    """Whether ``text`` is a domain name (a final dot allowed, U-labels as A-labels)."""
    name = text[:-1] if text.endswith(".") else text
    try:
        ascii_form = name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    return len(ascii_form) <= 253 and _DOMAIN.fullmatch(ascii_form) is not None


def is_dot_string(text: str) -> bool:
    """Whether ``text`` is a Dot-string local part of at most 64 octets."""
    return len(text.encode()) <= 64 and _DOT_STRING.fullmatch(text) is not None


def is_mailbox(address: str) -> bool:
    """Whether ``address`` is ``Local-part@Domain`` (address literals are not taken)."""
    local, at, domain = address.rpartition("@")
    if not at or not is_domain(domain):
        return False
    return is_dot_string(local) or (
        len(local.encode()) <= 64 and _QUOTED_STRING.fullmatch(local) is not None
    )
