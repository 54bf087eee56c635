"""The explicit command registry: command class -> handler (as pymap does, no scanning).

Which state a command is legal in is the core's `STATE_TABLE`; here each
handler says whether untagged updates may follow it and whether they may
include EXPUNGE (RFC 3501 §7.4.1: not during FETCH, STORE or SEARCH; the UID
forms allow them).  The handler modules register themselves when
`hato.imap.commands` is imported.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from hato.imap.reply import Reply
from hato.proto.imap import Command

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["REGISTRY", "Handler", "command"]

C = TypeVar("C", bound=Command)
Run = Callable[["ImapSession", Any], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Handler:
    run: Run
    updates: bool = True
    expunges: bool = True


REGISTRY: dict[type[Command], Handler] = {}


def command(
    *kinds: type[Command], updates: bool = True, expunges: bool = True
) -> Callable[
    [Callable[[ImapSession, C], Awaitable[Reply]]], Callable[[ImapSession, C], Awaitable[Reply]]
]:
    """Register the decorated coroutine as the handler of `kinds`."""

    def register(
        run: Callable[[ImapSession, C], Awaitable[Reply]],
    ) -> Callable[[ImapSession, C], Awaitable[Reply]]:
        for kind in kinds:
            REGISTRY[kind] = Handler(run, updates, expunges)
        return run

    return register
