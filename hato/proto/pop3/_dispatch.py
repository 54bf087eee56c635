"""One client line in, replies and maybe a request out: the per-state command table.

pymap-style: each state names the commands legal in it; anything else is an
unknown command (Dovecot answers "-ERR Unknown command." before login and
"-ERR Unknown command: NAME" after). A handler's RemoteProtocolError becomes its
-ERR reply. Bad commands are counted as Dovecot 2.3 does: before login only
unknown commands and overlong lines, 3 of them in a row end the session; after
login every -ERR counts, and the 21st in a row ends it.

Handlers never move the state: a command that does (QUIT) is in ``_MOVES``, and
the dispatcher enters the next state when the handler succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hato.proto.pop3 import _authorization, _transaction
from hato.proto.pop3._events import Event, RemoteProtocolError
from hato.proto.pop3._lines import MAX_COMMAND_LINE, printable
from hato.proto.pop3._session import LINE_TOO_LONG, Handler, Session, State

__all__ = ["dispatch", "too_long"]

COMMANDS: dict[State, dict[str, Handler]] = {
    State.AUTHORIZATION: _authorization.COMMANDS,
    State.TRANSACTION: _transaction.COMMANDS,
}
# RFC 1939 §3: the commands that move the state when they succeed; the rest of
# the moves are the connection's, on the adapter's answers (Pop3Connection).
_MOVES = {
    (State.AUTHORIZATION, "QUIT"): State.CLOSED,
    (State.TRANSACTION, "QUIT"): State.UPDATE,
}
_BAD_LIMIT = {State.AUTHORIZATION: 3, State.TRANSACTION: 21}
_TOO_MANY = {
    State.AUTHORIZATION: "-ERR Too many invalid bad commands.",
    State.TRANSACTION: "-ERR Too many bad commands.",
}
_A = TypeVar("_A", str, bytes)


def dispatch(session: Session, line: bytes) -> Event | None:
    """Handle one complete line (CRLF removed); return a request for the adapter, if any."""
    if session.sasl is not None:
        return _guarded(session, _authorization.sasl_response, line)
    name, _, args = line.decode("utf-8", "replace").partition(" ")
    keyword = name.upper()
    handler = COMMANDS[session.state].get(keyword)
    if len(line) > MAX_COMMAND_LINE and keyword != "AUTH":
        _bad(session, LINE_TOO_LONG)
    elif handler is None:
        _unknown(session, keyword)
    else:  # pop3-login keeps USER/PASS verbatim
        arg = args.lstrip(" ") if session.state is State.TRANSACTION else args
        return _guarded(session, handler, arg, _MOVES.get((session.state, keyword)))
    return None


def too_long(session: Session) -> None:
    """The line outgrew even the AUTH limit: refuse it, abandon any AUTH exchange."""
    session.sasl = None
    _bad(session, LINE_TOO_LONG)


def _guarded(
    session: Session,
    handler: Callable[[Session, _A], Event | None],
    arg: _A,
    then: State | None = None,
) -> Event | None:
    """Run a handler; on success reset the bad count and enter ``then``, if given."""
    try:
        request = handler(session, arg)
    except RemoteProtocolError as error:
        if session.state is State.TRANSACTION:
            _bad(session, error.reply)
        else:
            session.say(error.reply)
        return None
    session.bad_commands = 0
    if then is not None:
        session.state = then
    return request


def _unknown(session: Session, keyword: str) -> None:
    if session.state is State.TRANSACTION:
        _bad(session, f"-ERR Unknown command: {printable(keyword)}")
    else:
        _bad(session, "-ERR Unknown command.")


def _bad(session: Session, reply: str) -> None:
    session.say(reply)
    session.bad_commands += 1
    limit = _BAD_LIMIT.get(session.state)
    if limit is not None and session.bad_commands >= limit:
        session.say(_TOO_MANY[session.state])
        session.state = State.CLOSED
