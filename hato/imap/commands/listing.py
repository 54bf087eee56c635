"""LIST and LSUB (RFC 3501 §6.3.8, §6.3.9) with LIST-EXTENDED (RFC 5258),
LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154 §2) and CHILDREN (RFC 3348).

    "*" matches zero or more characters at this position.
    "%" is similar to "*", but it does not match a hierarchy delimiter.

Names are answered as quoted strings, as on the lecture's slides:
`* LIST (\\HasChildren) "." "Archives"`.  Superior names that do not exist
(only their children do) are listed \\Noselect, or \\NonExistent to a
LIST-EXTENDED client (RFC 5258 §3.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hato.imap.commands.mailboxes import status_values
from hato.imap.names import SEPARATOR, parents
from hato.imap.patterns import NamePatterns, PatternTooLong
from hato.imap.reply import Reply, bad
from hato.proto import imap as c
from hato.proto.imap import Atom, Raw, Value, encode_flags, untagged
from hato.store import INBOX, Mailbox

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["pattern_matcher"]

_NOSELECT = [Atom("\\Noselect")]  # the answer to an empty pattern: the hierarchy root


def _inbox_canonical(pattern: str) -> str:
    """INBOX is case-insensitive in patterns too (RFC 3501 §6.3.8)."""
    head = pattern[:5]
    if head.upper() == INBOX and (len(pattern) == 5 or pattern[5] in ".*%"):
        return INBOX + pattern[5:]
    return pattern


def pattern_matcher(reference: str, patterns: tuple[str, ...]) -> NamePatterns:
    """One automaton for the reference joined with each pattern (BAD when too big)."""
    try:
        return NamePatterns(_inbox_canonical(reference + pattern) for pattern in patterns)
    except PatternTooLong as error:
        raise bad(str(error)) from None


def _attributes(name: str, listing: _Listing, cmd: c.List, rev2: bool) -> list[str]:
    """A name without a mailbox is \\NonExistent to LIST-EXTENDED (RFC 5258 §3) and to
    IMAP4rev2 (RFC 9051 §7.3.1, which implies \\Noselect), else \\Noselect."""
    mailbox = listing.by_name.get(name)
    attrs: list[str] = []
    if mailbox is None:
        attrs.append("\\NonExistent" if cmd.extended or rev2 else "\\Noselect")
    if listing.show_subscribed and name in listing.subscribed:
        attrs.append("\\Subscribed")
    attrs.append("\\HasChildren" if name in listing.with_children else "\\HasNoChildren")
    wants_use = not cmd.extended or "SPECIAL-USE" in cmd.return_options | cmd.selection
    if mailbox is not None and mailbox.special_use and wants_use:
        attrs.append(mailbox.special_use)
    return attrs


@dataclass(frozen=True, slots=True)
class _Listing:
    """What one LIST answers from: the account's mailboxes and subscriptions."""

    by_name: dict[str, Mailbox]
    candidates: list[str]
    with_children: set[str]
    subscribed: frozenset[str]
    show_subscribed: bool


async def _listing(session: ImapSession, cmd: c.List) -> _Listing:
    """Mailboxes in creation order, then superior names that only their children
    imply; with the SUBSCRIBED selection also subscribed names whose mailbox is
    gone (RFC 5258 §3.1: they are listed \\NonExistent)."""
    boxes = sorted(await session.mailstore.list_mailboxes(), key=lambda m: m.id)
    by_name = {m.name: m for m in boxes}
    show_subscribed = "SUBSCRIBED" in cmd.return_options | cmd.selection
    subscribed = frozenset(await session.mailstore.subscriptions() if show_subscribed else ())
    names = [m.name for m in boxes]
    if "SUBSCRIBED" in cmd.selection:
        names += sorted(subscribed - set(by_name))
    with_children = {p for n in names for p in parents(n)}
    implied = sorted(with_children - set(names))
    return _Listing(by_name, names + implied, with_children, subscribed, show_subscribed)


def _with_unanswered_children(listing: _Listing, matcher: NamePatterns) -> set[str]:
    """RFC 5258 §3.1, §3.5 (RECURSIVEMATCH): the names with a subscribed name below
    them that is not answered itself (the pattern misses it); one pass over the
    subscriptions, not one per candidate."""
    return {p for s in listing.subscribed if not matcher.matches(s) for p in parents(s)}


async def list_mailboxes(session: ImapSession, cmd: c.List) -> Reply:
    if cmd.patterns == ("",) and not cmd.extended:
        session.send(untagged(Atom("LIST"), _NOSELECT, SEPARATOR, ""))  # RFC 3501 §6.3.8
        return Reply("List completed.")
    matcher = pattern_matcher(cmd.reference, cmd.patterns)
    listing = await _listing(session, cmd)
    recursive = "RECURSIVEMATCH" in cmd.selection
    childinfo = _with_unanswered_children(listing, matcher) if recursive else set()
    for name in listing.candidates:
        if not matcher.matches(name):
            continue
        extra: list[Value] = []
        if not _selected(cmd, listing, name):
            if name not in childinfo:
                continue
            extra = [[Atom("CHILDINFO"), ["SUBSCRIBED"]]]
        attrs = Raw(encode_flags(_attributes(name, listing, cmd, session.rev2)))
        session.send(untagged(Atom("LIST"), attrs, SEPARATOR, session.mailbox_value(name), *extra))
        mailbox = listing.by_name.get(name)
        if cmd.status_items is not None and mailbox is not None:
            values = await status_values(session, mailbox, cmd.status_items)
            status_name = session.mailbox_value(name, quoted=False)
            session.send(untagged(Atom("STATUS"), status_name, values))
    return Reply("List completed.")


def _selected(cmd: c.List, listing: _Listing, name: str) -> bool:
    """LIST-EXTENDED selection options (RFC 5258 §3.1, RFC 6154 §3)."""
    mailbox = listing.by_name.get(name)
    if "SUBSCRIBED" in cmd.selection and name not in listing.subscribed:
        return False
    return not ("SPECIAL-USE" in cmd.selection and (mailbox is None or not mailbox.special_use))


async def lsub(session: ImapSession, cmd: c.Lsub) -> Reply:
    """RFC 3501 §6.3.9: the subscribed names that match."""
    if cmd.pattern == "":
        session.send(untagged(Atom("LSUB"), _NOSELECT, SEPARATOR, ""))
        return Reply("Lsub completed.")
    matcher = pattern_matcher(cmd.reference, (cmd.pattern,))
    subscribed = await _subscribed_in_order(session)
    for name in subscribed:
        if matcher.matches(name):
            session.send(untagged(Atom("LSUB"), Raw(b"()"), SEPARATOR, session.mailbox_value(name)))
    for name in _unsubscribed_parents(subscribed, matcher) if "%" in cmd.pattern else ():
        value = session.mailbox_value(name)
        session.send(untagged(Atom("LSUB"), Raw(b"(\\Noselect)"), SEPARATOR, value))
    return Reply("Lsub completed.")


async def _subscribed_in_order(session: ImapSession) -> list[str]:
    """Subscribed mailboxes in creation order, then subscribed names whose mailbox
    is gone: a subscription outlives its mailbox (RFC 3501 §6.3.6)."""
    names = set(await session.mailstore.subscriptions())
    boxes = sorted(await session.mailstore.list_mailboxes(), key=lambda m: m.id)
    existing = [mailbox.name for mailbox in boxes if mailbox.name in names]
    return existing + sorted(names - set(existing))


def _unsubscribed_parents(subscribed: list[str], matcher: NamePatterns) -> list[str]:
    """RFC 3501 §6.3.9: with "%", a name that is not subscribed but has subscribed
    children that the pattern does not reach is answered \\Noselect."""
    known = set(subscribed)
    found: dict[str, None] = {}  # ordered, and a set
    for name in subscribed:
        for parent in parents(name):
            if parent not in known and parent not in found and matcher.matches(parent):
                found[parent] = None
    return list(found)
