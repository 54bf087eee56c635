"""NOTIFY's command (RFC 5465 §8), and MULTISEARCH's (RFC 7377 §4), which takes its filters:

    notify          = "NOTIFY" SP (notify-set / notify-none)
    notify-none     = "NONE"
    notify-set      = "SET" [status-indicator] SP event-groups
    status-indicator = SP "STATUS"
    event-groups    = event-group *(SP event-group)
    event-group     = "(" filter-mailboxes SP events ")"
    filter-mailboxes = "selected" / "selected-delayed" / "inboxes" / "personal" /
                      "subscribed" / ("subtree" SP one-or-more-mailbox) /
                      ("mailboxes" SP one-or-more-mailbox)
    one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"
    events          = ("(" event *(SP event) ")") / "NONE"
    event           = ("MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"]) /
                      "MessageExpunge" / "FlagChange" / "AnnotationChange" /
                      "MailboxName" / "SubscriptionChange" / "MailboxMetadataChange" /
                      "ServerMetadataChange" / event-ext

An unknown event is not a syntax error (event-ext): the server answers it with
``NO [BADEVENT]`` (§6), so it is kept. What §5 requires of a set is checked here, a
BAD: for the selected mailbox, MessageNew and MessageExpunge together and FlagChange and
AnnotationChange only with both (so that its sequence numbers stay known); fetch
attributes only for the selected mailbox. Other mailboxes may have any events (a STATUS
line tells them), as Dovecot takes them. Bounded: at most ``MAX_GROUPS``
groups, ``MAX_NAMES`` mailbox names and ``MAX_EVENTS`` events in all.

    esearch         = "ESEARCH" [SP "IN" SP "(" source-mbox ")"] [search-return-opts]
                      SP search-program
    source-mbox     = filter-mailboxes *(SP filter-mailboxes)
    filter-mailboxes-other =/ "subtree-one" SP one-or-more-mailbox

A program with message sequence numbers or "$" names nothing in another mailbox: BAD
(§2), as are RETURN's SAVE, UPDATE and CONTEXT, which belong to the selected mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._commands import Command
from ._events import CommandError
from ._fetch import FetchAttr, parse_fetch_atts
from ._grammar_mailbox import decode_mailbox
from ._grammar_search import Search, parse_search
from ._search import SearchSequence, search_leaves
from ._tokens import Cursor, Utf8Mode

__all__ = [
    "MAX_EVENTS", "MAX_GROUPS", "MAX_NAMES", "MultiSearch", "Notify", "NotifyGroup",
    "parse_esearch", "parse_notify",
]  # fmt: skip

MAX_GROUPS = 20
MAX_NAMES = 100
MAX_EVENTS = 50
SELECTED_FILTERS = ("SELECTED", "SELECTED-DELAYED")
_NAMED_FILTERS = ("SUBTREE", "MAILBOXES", "SUBTREE-ONE")
_FILTERS = (*SELECTED_FILTERS, "INBOXES", "PERSONAL", "SUBSCRIBED", *_NAMED_FILTERS)
#: The events of §5 in their spelling, looked up case-insensitively.
EVENTS = {
    name.upper(): name
    for name in (
        "MessageNew", "MessageExpunge", "FlagChange", "AnnotationChange", "MailboxName",
        "SubscriptionChange", "MailboxMetadataChange", "ServerMetadataChange",
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class NotifyGroup:
    """One event group: the filter (upper case), its names, its events (no events: NONE)
    and MessageNew's fetch attributes."""

    filter: str
    mailboxes: tuple[str, ...]
    events: frozenset[str]
    fetch: tuple[FetchAttr, ...] = ()

    @property
    def selected(self) -> bool:
        return self.filter in SELECTED_FILTERS


@dataclass(frozen=True, slots=True)
class Notify(Command):
    """RFC 5465 §3: ``groups`` None is NOTIFY NONE."""

    groups: tuple[NotifyGroup, ...] | None
    status: bool = False
    NAME: ClassVar[str] = "NOTIFY"


@dataclass(frozen=True, slots=True)
class MultiSearch(Command):
    """RFC 7377 §2: ``sources`` (filters without events) None is the selected mailbox;
    ``search`` is the UID SEARCH it runs in each."""

    sources: tuple[NotifyGroup, ...] | None
    search: Search
    NAME: ClassVar[str] = "ESEARCH"


def parse_esearch(cur: Cursor, tag: str) -> MultiSearch:
    sources: tuple[NotifyGroup, ...] | None = None
    if cur.data[cur.pos : cur.pos + 5].upper() == b" IN (":
        cur.pos += 4
        found: list[NotifyGroup] = []
        names = 0
        for index in cur.list_items():
            kind, mailboxes = _filter(cur, esearch=True)
            names += len(mailboxes)
            if index >= MAX_GROUPS or names > MAX_NAMES:
                raise CommandError(f"Too many sources (at most {MAX_GROUPS} and {MAX_NAMES}).")
            found.append(NotifyGroup(kind, mailboxes, frozenset()))
        if not found:
            raise CommandError("Empty source list.")
        sources = tuple(found)
    search = parse_search(cur, tag, uid=True)
    returning = search.returning
    if returning is not None and returning.options & {"SAVE", "UPDATE", "CONTEXT"}:
        raise CommandError("SAVE, UPDATE and CONTEXT are for SEARCH in the selected mailbox.")
    for leaf in search_leaves(search.criteria):
        if isinstance(leaf, SearchSequence) and (not leaf.uid or leaf.sequence_set.saved):
            raise CommandError("Message sequence numbers and $ cannot name messages here.")
    return MultiSearch(tag, sources, search)


def parse_notify(cur: Cursor, tag: str) -> Notify:
    cur.sp()
    word = cur.keyword()
    if word == "NONE":
        cur.end()
        return Notify(tag, None)
    if word != "SET":
        raise CommandError("Expected SET or NONE.")
    cur.sp()
    status = cur.peek() != 0x28  # "(": the first group; else the status-indicator
    if status:
        if cur.keyword() != "STATUS":
            raise CommandError("Expected STATUS or an event group.")
        cur.sp()
    groups: list[NotifyGroup] = []
    names = events = 0
    while True:
        group = _group(cur)
        groups.append(group)
        names += len(group.mailboxes)
        events += len(group.events)
        if len(groups) > MAX_GROUPS or names > MAX_NAMES or events > MAX_EVENTS:
            raise CommandError(
                f"Too many event groups, mailboxes or events (at most {MAX_GROUPS}, "
                f"{MAX_NAMES} and {MAX_EVENTS})."
            )
        if not cur.try_sp():
            break
    cur.end()
    return Notify(tag, tuple(groups), status)


def _group(cur: Cursor) -> NotifyGroup:
    cur.expect(b"(")
    kind, mailboxes = _filter(cur, esearch=False)
    cur.sp()
    events, fetch = _events(cur, kind in SELECTED_FILTERS)
    cur.expect(b")")
    return NotifyGroup(kind, mailboxes, events, fetch)


def _filter(cur: Cursor, esearch: bool) -> tuple[str, tuple[str, ...]]:
    """filter-mailboxes: the filter (upper case) and its mailbox names."""
    kind = cur.keyword()
    if kind not in _FILTERS or (kind == "SUBTREE-ONE" and not esearch):
        raise CommandError(f"Unknown filter: {kind}")
    mailboxes: tuple[str, ...] = ()
    if kind in _NAMED_FILTERS:
        cur.sp()
        mailboxes = _names(cur)
    return kind, mailboxes


def _names(cur: Cursor) -> tuple[str, ...]:
    utf8 = cur.utf8 is not Utf8Mode.OFF
    if cur.peek() != 0x28:  # "(": several names
        return (decode_mailbox(cur.astring(), utf8),)
    names: list[str] = []
    for index in cur.list_items():
        if index >= MAX_NAMES:
            raise CommandError(f"Too many mailboxes (at most {MAX_NAMES}).")
        names.append(decode_mailbox(cur.astring(), utf8))
    return tuple(dict.fromkeys(names))


def _events(cur: Cursor, selected: bool) -> tuple[frozenset[str], tuple[FetchAttr, ...]]:
    if cur.peek() != 0x28:
        if cur.keyword() != "NONE":
            raise CommandError("Expected a list of events or NONE.")
        return frozenset(), ()
    events: set[str] = set()
    fetch: tuple[FetchAttr, ...] = ()
    for index in cur.list_items():
        if index >= MAX_EVENTS:
            raise CommandError(f"Too many events (at most {MAX_EVENTS}).")
        word = cur.atom()
        name = EVENTS.get(word.upper(), word)
        events.add(name)
        if name == "MessageNew" and cur.data.startswith(b" (", cur.pos):
            if not selected:  # §5.1: FETCH attributes are for the selected mailbox only
                raise CommandError("MessageNew's fetch attributes are for SELECTED only.")
            cur.sp()
            fetch = parse_fetch_atts(cur)
    if selected:
        _check(events)
    return frozenset(events), fetch


def _check(events: set[str]) -> None:
    """RFC 5465 §5 for the selected mailbox: MessageNew and MessageExpunge go together,
    FlagChange and AnnotationChange need them both."""
    if ("MessageNew" in events) != ("MessageExpunge" in events):
        raise CommandError("MessageNew and MessageExpunge must be asked for together.")
    needs_both = events & {"FlagChange", "AnnotationChange"}
    if needs_both and "MessageNew" not in events:
        raise CommandError(f"{min(needs_both)} needs MessageNew and MessageExpunge.")
