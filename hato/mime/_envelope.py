"""The ENVELOPE of a message from its header fields (RFC 3501 §7.4.2).

    envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
               env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"

Strings are the raw unfolded header values (encoded-words are sent as they are). When a
field occurs more than once the last one counts, as in Dovecot. Sender and Reply-To
default to From when absent or empty (RFC 3501 §7.4.2).
"""

from __future__ import annotations

from hato.mime._address import parse_addresses
from hato.mime._headers import Field, text
from hato.mime._known import Known
from hato.mime._model import Address, Envelope

_STRINGS = ("date", "subject", "in-reply-to", "message-id")
_ADDRESSES = ("from", "sender", "reply-to", "to", "cc", "bcc")


def build_envelope(pairs: list[Field]) -> Envelope:
    """Build the Envelope from a part's header fields."""
    found: dict[str, bytes] = {}
    for name, value in pairs:
        if name in _STRINGS or name in _ADDRESSES:
            found[name] = value
    strings = {name: _string(found.get(name)) for name in _STRINGS}
    addrs = {name: _addresses(found.get(name)) for name in _ADDRESSES}
    from_ = addrs["from"]
    return Envelope(
        date=strings["date"],
        subject=strings["subject"],
        from_=from_,
        sender=addrs["sender"] or from_,
        reply_to=addrs["reply-to"] or from_,
        to=addrs["to"],
        cc=addrs["cc"],
        bcc=addrs["bcc"],
        in_reply_to=strings["in-reply-to"],
        message_id=strings["message-id"],
    )


def _string(value: bytes | None) -> str | None:
    return None if value is None else text(value.replace(b"\0", b"\x80"))


def _addresses(value: bytes | None) -> tuple[Address, ...]:
    return () if value is None else _known_addresses(value)


def _read_addresses(value: bytes) -> tuple[Address, ...]:
    return parse_addresses(text(value))


#: A correspondent's address, the owner's: read once (_known.py).
_known_addresses = Known(_read_addresses, len)
