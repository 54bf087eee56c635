"""The command table: command class -> handler, and what is announced after login.

Nothing registers itself as a module loads: `hato.imap.commands.table.command_table`
builds one `CommandTable` when the server starts, and every session is given it
(``ImapContext.commands``).  Which state a command is legal in is the core's
`STATE_TABLE`; here each handler says whether untagged updates may follow it and
whether they may include EXPUNGE (RFC 3501 §7.4.1: not during FETCH, STORE or
SEARCH; the UID forms allow them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hato.imap.reply import Reply
from hato.proto.imap import Command

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["CommandTable", "Handler"]

Run = Callable[["ImapSession", Any], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Handler:
    run: Run
    updates: bool = True
    expunges: bool = True


@dataclass(frozen=True, slots=True)
class CommandTable:
    """The commands one server runs, and the capabilities it lists after login.

    ``capabilities`` are in the order CAPABILITY lists them (``hato.imap.capabilities``);
    APPENDLIMIT is added per session from its literal limit.
    """

    handlers: Mapping[type[Command], Handler]
    capabilities: tuple[str, ...]
