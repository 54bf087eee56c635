"""Which command is legal in which state (RFC 3501 §3, §6), in one table.

Theory of operation.  A connection is in one of four states:

    NOT_AUTHENTICATED --LOGIN/AUTHENTICATE--> AUTHENTICATED
    AUTHENTICATED --SELECT/EXAMINE ok--> SELECTED
    SELECTED --CLOSE/UNSELECT, or a failed SELECT/EXAMINE--> AUTHENTICATED
    any state --LOGOUT, BYE--> LOGOUT

The dispatcher owns the state and the transitions (they depend on the
store's answer); this module only says whether a command may run.  Commands
of RFC 3501 §6.1 (any state) run everywhere but LOGOUT, §6.2 only before
authentication, §6.3 from AUTHENTICATED on, §6.4 only in SELECTED.
Extensions slot in where their RFCs put them.  A refusal is worded as
Dovecot words it: before login Dovecot's login process knows no other
command ("Error in IMAP command received by server."), after login it
says "No mailbox selected." or treats pre-login commands as unknown.
"""

from __future__ import annotations

from enum import Enum

from . import _commands as c
from ._events import ParseError
from ._fetch import Fetch
from ._grammar_search import Search, Sort, Thread

__all__ = ["STATE_TABLE", "State", "allowed", "refusal"]


class State(Enum):
    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


_ANY = frozenset({State.NOT_AUTHENTICATED, State.AUTHENTICATED, State.SELECTED})
_NONAUTH = frozenset({State.NOT_AUTHENTICATED})
_AUTH = frozenset({State.AUTHENTICATED, State.SELECTED})
_SELECTED = frozenset({State.SELECTED})

STATE_TABLE: dict[type[c.Command], frozenset[State]] = {
    # RFC 3501 §6.1 any state; ID (RFC 2971) too
    c.Capability: _ANY, c.Noop: _ANY, c.Logout: _ANY, c.Id: _ANY,
    # §6.2 not authenticated
    c.StartTLS: _NONAUTH, c.Authenticate: _NONAUTH, c.Login: _NONAUTH,
    # §6.3 authenticated (and selected); ENABLE (RFC 5161 §3.1), IDLE, NAMESPACE
    c.Select: _AUTH, c.Examine: _AUTH, c.Create: _AUTH, c.Delete: _AUTH,
    c.Rename: _AUTH, c.Subscribe: _AUTH, c.Unsubscribe: _AUTH, c.List: _AUTH,
    c.Lsub: _AUTH, c.Status: _AUTH, c.Append: _AUTH, c.Enable: _AUTH,
    c.Idle: _AUTH, c.Namespace: _AUTH,
    # §6.4 selected; UNSELECT (RFC 3691), MOVE (RFC 6851), SORT/THREAD (RFC 5256),
    # CANCELUPDATE (RFC 5267)
    c.Check: _SELECTED, c.Close: _SELECTED, c.Unselect: _SELECTED,
    c.Expunge: _SELECTED, Search: _SELECTED, Fetch: _SELECTED, c.Store: _SELECTED,
    c.Copy: _SELECTED, c.Move: _SELECTED, Sort: _SELECTED, Thread: _SELECTED,
    c.CancelUpdate: _SELECTED,
}  # fmt: skip


def allowed(command: c.Command, state: State) -> bool:
    """May `command` run in `state`?"""
    return state in STATE_TABLE.get(type(command), frozenset())


def refusal(command: c.Command, state: State) -> ParseError:
    """The BAD answer for a command that `allowed` refused."""
    if state is State.NOT_AUTHENTICATED:
        return ParseError(command.tag, "BAD", "Error in IMAP command received by server.")
    if STATE_TABLE.get(type(command)) == _SELECTED:
        return ParseError(command.tag, "BAD", "No mailbox selected.")
    text = f"Error in IMAP command {command.name}: Unknown command."
    return ParseError(command.tag, "BAD", text)
