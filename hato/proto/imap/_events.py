"""Events the IMAP reader hands to the dispatcher, besides parsed commands.

Like h11's events these are frozen, slotted dataclasses.  A `ParseError` says
whose fault it is (always the client's) and carries the exact response line
to send, in Dovecot's wording (RFC 3501 §7.1.3 BAD, §7.1.2 NO).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._encode import continuation, tagged, untagged_status

__all__ = [
    "CommandError",
    "ContinuationNeeded",
    "IdleDone",
    "ParseError",
    "SaslResponse",
]


@dataclass(frozen=True, slots=True)
class ParseError:
    """A command the client got wrong; `to_bytes()` is the answer to send.

    `tag` is None when the tag itself could not be read: the answer is then
    untagged (`* BAD ...`).  `status` is "BAD" or "NO"; `code` is a
    resp-text-code such as "TOOBIG" (RFC 7889) or None.
    """

    tag: str | None
    status: str
    text: str
    code: str | None = None

    @classmethod
    def bad_command(cls, tag: str, name: str, detail: str) -> ParseError:
        """Dovecot's wording for a refused argument, e.g. the dispatcher's
        `bad_command(tag, "FETCH", "Invalid messageset")` for a number beyond
        the message count (RFC 3501 §9 seq-number)."""
        return cls(tag, "BAD", f"Error in IMAP command {name}: {detail}")

    def to_bytes(self) -> bytes:
        """The response line, CRLF included (RFC 3501 §7.1)."""
        if self.tag:
            return tagged(self.tag, self.status, self.text, self.code)
        return untagged_status(self.status, self.text, self.code)


@dataclass(frozen=True, slots=True)
class ContinuationNeeded:
    """The client announced a synchronizing literal `{n}` (RFC 3501 §7.5).

    Send `data` (a `+ OK` continuation request), then feed the literal's bytes.
    """

    tag: str | None
    size: int
    data: bytes = continuation("OK")


@dataclass(frozen=True, slots=True)
class SaslResponse:
    """One AUTHENTICATE continuation line (RFC 3501 §6.2.2), still base64.

    `cancelled` is true when the client sent `*` to abort the exchange.
    """

    data: bytes

    @property
    def cancelled(self) -> bool:
        """RFC 3501 §6.2.2: "If the client wishes to cancel ... a single '*'"."""
        return self.data.strip() == b"*"


@dataclass(frozen=True, slots=True)
class IdleDone:
    """The line that ends IDLE (RFC 2177 §3); `valid` is false unless it was DONE.

    Dovecot answers anything but DONE with `BAD Expected DONE.` and ends IDLE.
    """

    valid: bool


class CommandError(Exception):
    """Raised by the grammar; the reader turns it into a `ParseError`.

    `detail` is the text after "Error in IMAP command NAME: " for BAD; for NO
    (e.g. an invalid mUTF-7 mailbox name) the text is sent as it is.
    """

    def __init__(self, detail: str, *, status: str = "BAD", code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.code = code
