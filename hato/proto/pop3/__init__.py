"""Sans-IO POP3 server core (RFC 1939, RFC 2449, RFC 2595, RFC 5034, RFC 6856).

See ``_connection`` for the theory of operation; this is the public surface.
"""

from hato.proto.pop3._connection import Pop3Connection, make_apop_timestamp
from hato.proto.pop3._events import (
    CLOSED,
    NEED_DATA,
    CheckApop,
    CheckPassword,
    Commit,
    Event,
    FetchScramKeys,
    LocalProtocolError,
    Reply,
    Retrieve,
    SaslResult,
    ScramKeys,
    Signal,
    StartTls,
)
from hato.proto.pop3._lines import redact, redact_reply
from hato.proto.pop3._maildrop import Scan
from hato.proto.pop3._session import State

__all__ = [
    "CLOSED",
    "NEED_DATA",
    "CheckApop",
    "CheckPassword",
    "Commit",
    "Event",
    "FetchScramKeys",
    "LocalProtocolError",
    "Pop3Connection",
    "Reply",
    "Retrieve",
    "SaslResult",
    "Scan",
    "ScramKeys",
    "Signal",
    "StartTls",
    "State",
    "make_apop_timestamp",
    "redact",
    "redact_reply",
]
