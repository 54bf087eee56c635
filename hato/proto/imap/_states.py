"""Which command is legal in which state (RFC 3501 §3, §6), in one table.

Theory of operation.  A connection is in one of four states:

    NOT_AUTHENTICATED --LOGIN/AUTHENTICATE--> AUTHENTICATED
    AUTHENTICATED or SELECTED --UNAUTHENTICATE--> NOT_AUTHENTICATED (RFC 8437)
    AUTHENTICATED --SELECT/EXAMINE ok--> SELECTED
    SELECTED --CLOSE/UNSELECT, or a failed SELECT/EXAMINE--> AUTHENTICATED
    any state --LOGOUT, BYE--> LOGOUT

The dispatcher owns the state: a handler only says how its command ended (an
`Outcome` on its reply), and the dispatcher moves the state with
`next_state`, which refuses a move the diagram above does not have.  A NO to
SELECT or EXAMINE is itself the DESELECTED outcome (RFC 3501 §6.3.1: "if a
mailbox is selected and a SELECT command that fails is attempted, no mailbox
is selected"); `outcome_of_failure` says so.  Commands
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
from ._grammar_metadata import GetMetadata, SetMetadata
from ._grammar_notify import MultiSearch, Notify
from ._grammar_search import Search, Sort, Thread
from ._grammar_urlauth import GenUrlAuth, ResetKey, UrlFetch

__all__ = [
    "STATE_TABLE",
    "Outcome",
    "State",
    "allowed",
    "next_state",
    "outcome_of_failure",
    "refusal",
]


class State(Enum):
    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


class Outcome(Enum):
    """How a command ended, as far as the state is concerned."""

    LOGGED_IN = "logged in"  # LOGIN, AUTHENTICATE (RFC 3501 §6.2.2, §6.2.3)
    SELECTED = "selected"  # SELECT, EXAMINE (§6.3.1, §6.3.2)
    DESELECTED = "deselected"  # CLOSE (§6.4.2), UNSELECT (RFC 3691), a failed SELECT,
    # DELETE of the selected mailbox
    UNAUTHENTICATED = "unauthenticated"  # UNAUTHENTICATE (RFC 8437 §3)
    LOGGED_OUT = "logged out"  # LOGOUT (§6.1.3), or the server's BYE (§7.1.5)


_TRANSITIONS: dict[tuple[State, Outcome], State] = {
    (State.NOT_AUTHENTICATED, Outcome.LOGGED_IN): State.AUTHENTICATED,
    (State.AUTHENTICATED, Outcome.SELECTED): State.SELECTED,
    (State.SELECTED, Outcome.SELECTED): State.SELECTED,
    (State.AUTHENTICATED, Outcome.DESELECTED): State.AUTHENTICATED,
    (State.SELECTED, Outcome.DESELECTED): State.AUTHENTICATED,
    (State.AUTHENTICATED, Outcome.UNAUTHENTICATED): State.NOT_AUTHENTICATED,
    (State.SELECTED, Outcome.UNAUTHENTICATED): State.NOT_AUTHENTICATED,
    (State.NOT_AUTHENTICATED, Outcome.LOGGED_OUT): State.LOGOUT,
    (State.AUTHENTICATED, Outcome.LOGGED_OUT): State.LOGOUT,
    (State.SELECTED, Outcome.LOGGED_OUT): State.LOGOUT,
}
_FAILURE_OUTCOMES: dict[type[c.Command], Outcome] = {
    c.Select: Outcome.DESELECTED,
    c.Examine: Outcome.DESELECTED,
}


def next_state(state: State, outcome: Outcome) -> State:
    """The state after a command ended with `outcome`; ValueError for a move the
    diagram does not have (a handler's bug, never the client's)."""
    try:
        return _TRANSITIONS[state, outcome]
    except KeyError:
        raise ValueError(f"no move from {state.value} on {outcome.value}") from None


def outcome_of_failure(command: c.Command) -> Outcome | None:
    """The outcome of `command` ending in NO, if it has one."""
    return _FAILURE_OUTCOMES.get(type(command))


_ANY = frozenset({State.NOT_AUTHENTICATED, State.AUTHENTICATED, State.SELECTED})
_NONAUTH = frozenset({State.NOT_AUTHENTICATED})
_AUTH = frozenset({State.AUTHENTICATED, State.SELECTED})
_SELECTED = frozenset({State.SELECTED})

STATE_TABLE: dict[type[c.Command], frozenset[State]] = {
    # RFC 3501 §6.1 any state; ID (RFC 2971) too
    c.Capability: _ANY, c.Noop: _ANY, c.Logout: _ANY, c.Id: _ANY,
    # §6.2 not authenticated
    c.StartTLS: _NONAUTH, c.Authenticate: _NONAUTH, c.Login: _NONAUTH,
    # §6.3 authenticated (and selected); ENABLE (RFC 5161 §3.1), IDLE, NAMESPACE,
    # COMPRESS (RFC 4978 §5, as Dovecot: after login), the QUOTA commands (RFC 9208 §4),
    # UNAUTHENTICATE (RFC 8437 §3)
    c.Select: _AUTH, c.Examine: _AUTH, c.Create: _AUTH, c.Delete: _AUTH,
    c.Rename: _AUTH, c.Subscribe: _AUTH, c.Unsubscribe: _AUTH, c.List: _AUTH,
    c.Lsub: _AUTH, c.Status: _AUTH, c.Append: _AUTH, c.Enable: _AUTH,
    c.Idle: _AUTH, c.Namespace: _AUTH, c.Compress: _AUTH, c.GetQuota: _AUTH,
    c.GetQuotaRoot: _AUTH, c.SetQuota: _AUTH, c.Unauthenticate: _AUTH,
    GetMetadata: _AUTH, SetMetadata: _AUTH,  # RFC 5464 §4
    Notify: _AUTH, MultiSearch: _AUTH,  # RFC 5465 §3, RFC 7377 §2
    GenUrlAuth: _AUTH, ResetKey: _AUTH, UrlFetch: _AUTH,  # RFC 4467 §4
    # §6.4 selected; UNSELECT (RFC 3691), MOVE (RFC 6851), SORT/THREAD (RFC 5256),
    # CANCELUPDATE (RFC 5267), REPLACE (RFC 8508 §3)
    c.Check: _SELECTED, c.Close: _SELECTED, c.Unselect: _SELECTED,
    c.Expunge: _SELECTED, Search: _SELECTED, Fetch: _SELECTED, c.Store: _SELECTED,
    c.Copy: _SELECTED, c.Move: _SELECTED, Sort: _SELECTED, Thread: _SELECTED,
    c.CancelUpdate: _SELECTED, c.Replace: _SELECTED,
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
