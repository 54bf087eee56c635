"""TRANSACTION state commands (RFC 1939 §5, §7; RFC 2449 CAPA).

The core answers everything from the maildrop it was given at login, except
RETR and TOP (message bytes: a Retrieve event) and QUIT (the UPDATE state of
RFC 1939 §6: a Commit event).
"""

from __future__ import annotations

from hato.proto.pop3._events import Commit, Event, Retrieve
from hato.proto.pop3._maildrop import Maildrop, parse_size
from hato.proto.pop3._session import Handler, Session

__all__ = ["COMMANDS"]


def _maildrop(session: Session) -> Maildrop:
    assert session.maildrop is not None
    return session.maildrop


def cmd_capa(session: Session, args: str) -> None:
    session.say(session.capabilities())


def cmd_noop(session: Session, args: str) -> None:
    session.say("+OK")


def cmd_stat(session: Session, args: str) -> None:
    """RFC 1939 §5 STAT: "+OK nn mm" (count and octets of undeleted messages)."""
    session.say(_maildrop(session).stat())


def cmd_list(session: Session, args: str) -> None:
    """RFC 1939 §5 LIST [msg]: one scan listing, or all of them."""
    maildrop = _maildrop(session)
    if not args:
        session.out += maildrop.listing()
        return
    index, _ = maildrop.resolve(args)
    session.say(f"+OK {index + 1} {maildrop.sizes[index]}")


def cmd_uidl(session: Session, args: str) -> None:
    """RFC 1939 §7 UIDL [msg]: unique-id listings."""
    maildrop = _maildrop(session)
    if not args:
        session.out += maildrop.uidl_listing()
        return
    index, _ = maildrop.resolve(args)
    session.say(f"+OK {index + 1} {maildrop.uids[index]}")


def cmd_dele(session: Session, args: str) -> None:
    """RFC 1939 §5 DELE msg: mark only; the message goes in the UPDATE state."""
    maildrop = _maildrop(session)
    index, _ = maildrop.resolve(args)
    maildrop.delete(index)
    session.say("+OK Marked to be deleted.")


def cmd_rset(session: Session, args: str) -> None:
    """RFC 1939 §5 RSET: unmark all messages marked as deleted."""
    _maildrop(session).reset()
    session.say("+OK")


def cmd_retr(session: Session, args: str) -> Event:
    """RFC 1939 §5 RETR msg: the adapter fetches the bytes."""
    maildrop = _maildrop(session)
    index, _ = maildrop.resolve(args)
    return Retrieve(index + 1, maildrop.uids[index], None)


def cmd_top(session: Session, args: str) -> Event:
    """RFC 1939 §7 TOP msg n: header, blank line and n body lines."""
    maildrop = _maildrop(session)
    index, rest = maildrop.resolve(args, more=True)
    return Retrieve(index + 1, maildrop.uids[index], parse_size(rest))


def cmd_quit(session: Session, args: str) -> Event:
    """RFC 1939 §6 QUIT: UPDATE follows (the dispatcher moves there); the adapter
    deletes the marked messages."""
    maildrop = _maildrop(session)
    marked = sorted(maildrop.deleted)
    return Commit(tuple(i + 1 for i in marked), tuple(maildrop.uids[i] for i in marked))


COMMANDS: dict[str, Handler] = {
    "CAPA": cmd_capa,
    "DELE": cmd_dele,
    "LIST": cmd_list,
    "NOOP": cmd_noop,
    "QUIT": cmd_quit,
    "RETR": cmd_retr,
    "RSET": cmd_rset,
    "STAT": cmd_stat,
    "TOP": cmd_top,
    "UIDL": cmd_uidl,
}
