"""What a script asks for: actions the delivery layer carries out, and the run's result.

The interpreter never does anything itself (RFC 5228 §2.10.3: actions are collected and
done at the end). A result with an error holds just the implicit keep, so a script that
fails never loses mail (RFC 5228 §2.10.6).
"""

from __future__ import annotations

from dataclasses import dataclass

from hato.sieve._errors import SieveError


@dataclass(frozen=True, slots=True)
class Keep:
    """Store in INBOX (RFC 5228 §4.3), with IMAP flags (RFC 5232 §5); ``implicit`` per §2.10.2."""

    flags: tuple[str, ...] = ()
    implicit: bool = False


@dataclass(frozen=True, slots=True)
class FileInto:
    """Store in ``mailbox`` (RFC 5228 §4.1); ``create`` it if missing (RFC 5490 §3.2)."""

    mailbox: str
    flags: tuple[str, ...] = ()
    create: bool = False


@dataclass(frozen=True, slots=True)
class Redirect:
    """Send the message on to ``address`` (RFC 5228 §4.2); ``copy``: RFC 3894."""

    address: str
    copy: bool = False


@dataclass(frozen=True, slots=True)
class Reject:
    """Refuse the message with ``reason`` (RFC 5429): in the SMTP reply if ``extended``
    (ereject) or if the delivery layer can, else in an MDN-like bounce (§2.1)."""

    reason: str
    extended: bool = False


@dataclass(frozen=True, slots=True)
class Vacation:
    """An auto-reply the interpreter decided to send (RFC 5230 §4, RFC 3834).

    ``to`` is the envelope sender, ``from_`` the address it comes from; ``handle`` and
    ``seconds`` are what the delivery layer records once sent (§4.2), so that the same
    sender gets no second reply within ``seconds``.
    """

    to: str
    from_: str
    subject: str
    reason: str
    mime: bool
    handle: str
    seconds: int
    in_reply_to: str | None = None
    references: str | None = None


Action = Keep | FileInto | Redirect | Reject | Vacation


@dataclass(frozen=True, slots=True)
class Result:
    """The actions to carry out, in order, and what the run noticed.

    ``error`` is set when the script failed; ``actions`` is then the implicit keep only.
    ``notes`` are for the log (why no vacation reply was sent, for example).
    """

    actions: tuple[Action, ...]
    error: SieveError | None = None
    notes: tuple[str, ...] = ()
