"""Address syntax (RFC 5321 §4.1.2, with RFC 6531 §3.3's UTF-8), checked once for all.

    Mailbox        = Local-part "@" ( Domain / address-literal )
    address-literal  = "[" ( IPv4-address-literal / IPv6-address-literal /
                             General-address-literal ) "]"    (§4.1.3)
    Local-part     = Dot-string / Quoted-string
    Dot-string     = Atom *("."  Atom)
    Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
    QcontentSMTP   = qtextSMTP / quoted-pairSMTP
    Domain         = sub-domain *("." sub-domain)
    sub-domain     = Let-dig [Ldh-str]

``atext`` is RFC 5322 §3.2.3's; RFC 6531 adds every non-ASCII character to it and
to ``qtextSMTP``, and lets a sub-domain be a U-label. A local part has at most 64
octets (RFC 5321 §4.5.3.1.1), a domain at most 253 in its dotted form (the 255
octets of RFC 1035 §2.3.4 on the wire). No General-address-literal tag has been
standardised, so only IPv4 and IPv6 literals are taken. Lone surrogates (bytes
that were not UTF-8, as aiosmtpd hands them on) are in no rule. The patterns do
not backtrack beyond one label: dots separate their repetitions.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["address_literal", "is_domain", "is_dot_string", "is_mailbox"]

_UTF8_NON_ASCII = "\u0080-\ud7ff\ue000-\U0010ffff"  # every character but surrogates
_ATEXT = rf"[A-Za-z0-9!#$%&'*+\-/=?^_`{{|}}~{_UTF8_NON_ASCII}]"
_DOT_STRING = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_QUOTED_STRING = re.compile(rf'"(?:[ !#-\[\]-~{_UTF8_NON_ASCII}]|\\[ -~])*"')
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
    return _DOT_STRING.fullmatch(text) is not None and len(text.encode()) <= 64


def address_literal(text: str) -> str | None:
    """The IP address in ``[192.0.2.1]`` or ``[IPv6:2001:db8::1]``; None if not one."""
    if not (text.startswith("[") and text.endswith("]")) or "%" in text:
        return None  # "%": ipaddress takes a scope id, which is no part of the grammar
    inner = text[1:-1]
    is_ipv6 = inner[:5].lower() == "ipv6:"
    try:
        ip = ipaddress.IPv6Address(inner[5:]) if is_ipv6 else ipaddress.IPv4Address(inner)
    except ValueError:
        return None
    return str(ip)


def is_mailbox(address: str) -> bool:
    """Whether ``address`` is ``Local-part@Domain`` or ``Local-part@address-literal``."""
    local, at, domain = address.rpartition("@")
    if not at or not (is_domain(domain) or address_literal(domain) is not None):
        return False
    return is_dot_string(local) or (
        _QUOTED_STRING.fullmatch(local) is not None and len(local.encode()) <= 64
    )
