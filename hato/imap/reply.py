"""How a command handler finishes: a `Reply`, or an `ImapError` raised on the way.

The dispatcher writes the tagged line (RFC 3501 §7.1) after any untagged
updates, so handlers never write it themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hato.proto.imap import Outcome

__all__ = ["ImapError", "Reply", "bad", "no"]


@dataclass(frozen=True, slots=True)
class Reply:
    """The tagged status; `then` runs after it is sent (STARTTLS's handshake);
    `outcome` is what the dispatcher moves the state by (RFC 3501 §3)."""

    text: str
    status: str = "OK"
    code: str | None = None
    then: Callable[[], Awaitable[None]] | None = None
    outcome: Outcome | None = None


class ImapError(Exception):
    """A NO or BAD ending of a command (RFC 3501 §7.1.2, §7.1.3)."""

    def __init__(self, status: str, text: str, code: str | None = None) -> None:
        super().__init__(text)
        self.reply = Reply(text, status, code)


def no(text: str, code: str | None = None) -> ImapError:
    return ImapError("NO", text, code)


def bad(text: str, code: str | None = None) -> ImapError:
    return ImapError("BAD", text, code)
