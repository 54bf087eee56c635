"""What a run knows besides the message: the envelope, the account, the limits, and the
callbacks through which the delivery layer answers questions (no IO in hato.sieve)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hato.sieve._parser import MAX_DEPTH, MAX_SCRIPT_SIZE
from hato.sieve._regex import MAX_PATTERN
from hato.sieve._vacation import Period, RepliedWithin
from hato.sieve._validate import Program


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one run against one message: hostile scripts cost bounded work.

    ``max_steps`` counts commands, tests, comparisons and wildcard steps: the CPU bound.
    ``max_nesting`` bounds blocks, tests and includes together at run time, so the
    interpreter's own recursion stays far below Python's limit.
    """

    max_steps: int = 200_000
    max_actions: int = 32
    max_redirects: int = 4
    max_include_depth: int = 10
    max_includes: int = 64
    max_nesting: int = 150
    max_variables: int = 256
    max_variable_size: int = 4096
    max_regex: int = MAX_PATTERN
    max_script_size: int = MAX_SCRIPT_SIZE
    max_parse_depth: int = MAX_DEPTH
    vacation: Period = field(default_factory=Period)


@dataclass(frozen=True, slots=True)
class Envelope:
    """The SMTP envelope of this delivery (RFC 5228 §5.4): "" is the null reverse-path."""

    mail_from: str
    rcpt_to: str


def _no_mailbox(name: str) -> bool:
    return False


def _no_script(name: str, location: str) -> Program | None:
    return None


def _never_replied(handle: str, sender: str, seconds: int) -> bool:
    return False


# load_script(name, location): a "personal" or "global" script (RFC 6609 §3.2), as text
# or already compiled (a caller that caches Programs saves the parse), None if there is
# none; the store and the config answer it.
Loader = Callable[[str, str], str | bytes | Program | None]


@dataclass(frozen=True, slots=True)
class Context:
    """The account's side of a run."""

    envelope: Envelope
    addresses: tuple[str, ...] = ()
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    mailbox_exists: Callable[[str], bool] = _no_mailbox
    load_script: Loader = _no_script
    replied_within: RepliedWithin = _never_replied
    limits: Limits = field(default_factory=Limits)
