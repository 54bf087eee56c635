"""What one session's NOTIFY SET watches, and the untagged responses it has earned (RFC 5465).

Theory of operation.  A ``NotifyWatch`` holds the client's event groups and, for every
mailbox of the account that a non-selected group takes (§6: the first group that names
it), a subscription to the store's notifier (hato.store.notify), as IDLE holds one for
the selected mailbox; one more subscription, to the account's channel, brings mailboxes
created, deleted or renamed and subscriptions changed, by any session on any node. Every
subscription also sets ``changed``, the one event the session waits on between commands
(and in IDLE). Only then is the store asked: the changed mailboxes' counters, or (after
an account change) the whole list, compared with what the client was last told:

- MessageNew, MessageExpunge, FlagChange of a mailbox that is not selected: a STATUS
  response (§5.1-§5.3) with MESSAGES, UIDNEXT and UNSEEN (and HIGHESTMODSEQ once
  CONDSTORE is on), when a counter the group's events cover moved (NOTIFY SET STATUS
  first tells the counters those events cover, as Dovecot does);
- MailboxName (§5.4): LIST for a mailbox created, ``(\\NonExistent)`` for one deleted,
  ``("OLDNAME" (old))`` for one renamed (RFC 5258 §3.5);
- SubscriptionChange (§5.5): LIST with or without ``\\Subscribed``;
- MailboxMetadataChange and ServerMetadataChange (§5.6, §5.7): an unsolicited METADATA
  response naming the entries set or removed (RFC 5464 §4.4.2), the account's
  annotations (at most 100, hato.imap.commands.metadata) read again after an account
  change only when a group asks for these.

The selected mailbox is the SELECTED group's: its EXISTS, EXPUNGE and FETCH come from
the view as always (hato.imap.updates), without waiting for a command; never a STATUS.
Other sessions' flag changes there are told only if the group has FlagChange (§5.1, as
Dovecot); EXISTS and EXPUNGE still come at least when a command allows them, so that
the client's message numbers stay true.
Names the account does not have match nothing and are never told of (§6 leaks nothing).
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hato.imap.commands.fetch import fetch
from hato.imap.commands.mailboxes import status_values
from hato.imap.names import SEPARATOR
from hato.imap.updates import FlagNews
from hato.proto.imap import (
    Atom,
    Fetch,
    NotifyGroup,
    Raw,
    SequenceSet,
    Value,
    encode_flags,
    untagged,
)
from hato.store import INBOX, Mailbox
from hato.store.notify import Notifier, Subscription, account_channel

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["SUPPORTED_EVENTS", "NotifyWatch", "takes"]

#: The events hato tells of (§6: any other is ``NO [BADEVENT (...)]``), in §5's order.
SUPPORTED_EVENTS = (
    "MessageNew", "MessageExpunge", "FlagChange", "MailboxName", "SubscriptionChange",
    "MailboxMetadataChange", "ServerMetadataChange",
)  # fmt: skip
_METADATA_EVENTS = frozenset({"MailboxMetadataChange", "ServerMetadataChange"})
Annotations = dict[tuple[int | None, str], bytes]
_COUNTERS = ("MESSAGES", "UIDNEXT", "UNSEEN")


class _Relay(asyncio.Event):
    """An event that also sets ``also``: the session waits on one event for many."""

    def __init__(self, also: asyncio.Event) -> None:
        super().__init__()
        self._also = also

    def set(self) -> None:
        super().set()
        self._also.set()


@dataclass(frozen=True, slots=True)
class _Told:
    """What the client last knew of a mailbox."""

    name: str
    subscribed: bool
    messages: int
    uidnext: int
    unseen: int
    highestmodseq: int

    @classmethod
    def of(cls, mailbox: Mailbox) -> _Told:
        return cls(
            mailbox.name, mailbox.subscribed, mailbox.messages, mailbox.uidnext,
            mailbox.unseen, mailbox.highestmodseq,
        )  # fmt: skip


class NotifyWatch:
    """One session's NOTIFY SET: its groups, its subscriptions, what it told."""

    def __init__(self, notifier: Notifier, account_id: int, groups: tuple[NotifyGroup, ...]):
        self.groups = groups
        self.selected = next((group for group in groups if group.selected), None)
        self.changed = asyncio.Event()
        self._notifier = notifier
        channel = account_channel(account_id)
        self._account = notifier.subscribe(channel, changed=_Relay(self.changed))
        self._watched: dict[int, Subscription] = {}
        self._told: dict[int, _Told] = {}
        self._annotations: Annotations | None = None
        self._server_metadata = any("ServerMetadataChange" in g.events for g in groups)
        self._metadata = any(g.events & _METADATA_EVENTS for g in groups)

    @property
    def delays_expunge(self) -> bool:
        """SELECTED-DELAYED (§6): EXPUNGE waits for a command that allows it."""
        return self.selected is not None and self.selected.filter == "SELECTED-DELAYED"

    @property
    def tells_selected(self) -> bool:
        """The selected mailbox's changes go out as they happen, not only after a command."""
        return self.selected is not None and bool(self.selected.events)

    @property
    def flag_news(self) -> FlagNews:
        """FlagChange for the selected mailbox (§5.1): FETCH with UID and FLAGS; a set
        without it, or without a SELECTED group (§3.1: the same as SELECTED NONE), hears
        no flag changes there."""
        if self.selected is not None and "FlagChange" in self.selected.events:
            return FlagNews.WITH_UID
        return FlagNews.UNTOLD

    async def fetch_new(self, session: ImapSession, after: int) -> None:
        """MessageNew's FETCH attributes (§5.1) for the selected mailbox's messages
        above UID ``after``, just told of by EXISTS."""
        view = session.view
        if self.selected is None or not self.selected.fetch or view is None:
            return
        new = view.uids[bisect_right(view.uids, after) :]
        if new:
            items = self.selected.fetch
            await fetch(session, Fetch("", SequenceSet.from_values(new), items, uid=True))

    def close(self) -> None:
        self._account.close()
        for subscription in self._watched.values():
            subscription.close()
        self._watched.clear()

    def group_for(self, name: str, subscribed: bool) -> NotifyGroup | None:
        """The first non-selected group whose filter takes the mailbox ``name`` (§6)."""
        for group in self.groups:
            if not group.selected and takes(group, name, subscribed):
                return group
        return None

    async def start(self, session: ImapSession, status: bool) -> None:
        """Learn the account's mailboxes; with NOTIFY SET STATUS (§3), tell each watched
        one's counters now, UIDVALIDITY among them."""
        mailboxes = await session.mailstore.list_mailboxes()
        self._settle(mailboxes)
        if self._metadata:
            self._annotations = await session.mailstore.all_metadata()
        if not status:
            return
        for mailbox in mailboxes:
            group = self.group_for(mailbox.name, mailbox.subscribed)
            items = _first_status(group.events) if group is not None else ()
            if items and not _is_selected(session, mailbox.id):
                session.send(await _status(session, mailbox, items))

    async def pending(self, session: ImapSession) -> list[bytes]:
        """Untagged responses for what changed since the client was last told."""
        if not self.changed.is_set():
            return []
        self.changed.clear()
        if self._account.changed.is_set():
            self._account.changed.clear()
            for subscription in self._watched.values():
                subscription.changed.clear()
            mailboxes = await session.mailstore.list_mailboxes()
            lines = await self._compare(session, mailboxes, complete=True)
            self._settle(mailboxes)
            return lines + await self._annotation_lines(session)
        fresh: list[Mailbox] = []
        for mailbox_id, subscription in list(self._watched.items()):
            if subscription.changed.is_set():
                subscription.changed.clear()
                mailbox = await session.mailstore.get_mailbox(self._told[mailbox_id].name)
                if mailbox is not None and mailbox.id == mailbox_id:
                    fresh.append(mailbox)
        lines = await self._compare(session, fresh, complete=False)
        self._told.update((mailbox.id, _Told.of(mailbox)) for mailbox in fresh)
        return lines

    async def _annotation_lines(self, session: ImapSession) -> list[bytes]:
        """METADATA responses for the annotations set or removed since last read."""
        if self._annotations is None:
            return []
        now = await session.mailstore.all_metadata()
        before, self._annotations = self._annotations, now
        changed: dict[int | None, list[str]] = {}
        for key in sorted(before.keys() ^ now.keys() | _differing(before, now), key=str):
            changed.setdefault(key[0], []).append(key[1])
        lines: list[bytes] = []
        for mailbox_id, entries in changed.items():
            if mailbox_id is None:
                name: str | None = "" if self._server_metadata else None
            else:
                told = self._told.get(mailbox_id)
                group = told and self.group_for(told.name, told.subscribed)
                wanted = group and "MailboxMetadataChange" in group.events
                name = told.name if told and wanted else None
            if name is not None:
                entry_list = [Atom(entry) for entry in entries]
                lines.append(untagged(Atom("METADATA"), session.mailbox_value(name), *entry_list))
        return lines

    def _settle(self, mailboxes: Iterable[Mailbox]) -> None:
        """Watch exactly the mailboxes a group takes; remember them all as told."""
        self._told = {mailbox.id: _Told.of(mailbox) for mailbox in mailboxes}
        wanted = {
            mailbox_id
            for mailbox_id, told in self._told.items()
            if self.group_for(told.name, told.subscribed) is not None
        }
        for mailbox_id in set(self._watched) - wanted:
            self._watched.pop(mailbox_id).close()
        for mailbox_id in wanted - set(self._watched):
            relay = _Relay(self.changed)
            self._watched[mailbox_id] = self._notifier.subscribe(mailbox_id, changed=relay)

    async def _compare(
        self, session: ImapSession, mailboxes: list[Mailbox], complete: bool
    ) -> list[bytes]:
        lines: list[bytes] = []
        for mailbox in mailboxes:
            before = self._told.get(mailbox.id)
            group = self.group_for(mailbox.name, mailbox.subscribed)
            if before is not None and before.name != mailbox.name:
                group = group or self.group_for(before.name, before.subscribed)
            if group is None:
                continue
            lines += _mailbox_events(session, group, before, mailbox)
            if before is None or _is_selected(session, mailbox.id):
                continue
            if _counters_moved(group, before, mailbox):
                lines.append(await _status(session, mailbox, (*_COUNTERS, *_modseq(session))))
        if complete:
            present = {mailbox.id for mailbox in mailboxes}
            for mailbox_id, gone in self._told.items():
                group = self.group_for(gone.name, gone.subscribed)
                if mailbox_id not in present and group and "MailboxName" in group.events:
                    lines.append(_list(session, gone.name, ["\\NonExistent"]))
        return lines


def _differing(before: Annotations, now: Annotations) -> set[tuple[int | None, str]]:
    return {key for key, value in now.items() if key in before and before[key] != value}


def takes(group: NotifyGroup, name: str, subscribed: bool) -> bool:
    """Whether a non-selected filter (§6; MULTISEARCH's SUBTREE-ONE, RFC 7377 §2) takes
    the mailbox ``name``."""
    if group.filter == "PERSONAL":
        return True
    if group.filter == "INBOXES":  # hato delivers to INBOX only (Sieve may file elsewhere)
        return name == INBOX
    if group.filter == "SUBSCRIBED":
        return subscribed
    if group.filter == "MAILBOXES":
        return name in group.mailboxes
    if group.filter == "SUBTREE-ONE":  # the mailbox and its children, not theirs
        return any(name == top or _child_of(name, top) for top in group.mailboxes)
    return any(name == top or name.startswith(top + SEPARATOR) for top in group.mailboxes)


def _child_of(name: str, top: str) -> bool:
    return name.startswith(top + SEPARATOR) and SEPARATOR not in name[len(top) + 1 :]


def _first_status(events: frozenset[str]) -> tuple[str, ...]:
    """NOTIFY SET STATUS's items (§3) for what the events will tell of, as Dovecot
    answers: MESSAGES for MessageExpunge, and UIDNEXT and UIDVALIDITY for MessageNew;
    UIDVALIDITY and HIGHESTMODSEQ for FlagChange."""
    items: set[str] = set()
    if "MessageExpunge" in events:
        items.add("MESSAGES")
    if "MessageNew" in events:
        items |= {"MESSAGES", "UIDNEXT", "UIDVALIDITY"}
    if "FlagChange" in events:
        items |= {"UIDVALIDITY", "HIGHESTMODSEQ"}
    return tuple(items)


def _is_selected(session: ImapSession, mailbox_id: int) -> bool:
    return session.view is not None and session.view.id == mailbox_id


def _modseq(session: ImapSession) -> tuple[str, ...]:
    return ("HIGHESTMODSEQ",) if session.condstore else ()


def _counters_moved(group: NotifyGroup, before: _Told, now: Mailbox) -> bool:
    events = group.events
    return (
        ("MessageNew" in events and now.uidnext != before.uidnext)
        or ("MessageExpunge" in events and now.messages != before.messages)
        or ("FlagChange" in events and now.unseen != before.unseen)
        or ("FlagChange" in events and now.highestmodseq != before.highestmodseq)
    )


def _mailbox_events(
    session: ImapSession, group: NotifyGroup, before: _Told | None, now: Mailbox
) -> list[bytes]:
    """MailboxName (created, renamed) and SubscriptionChange of one mailbox (§5.4, §5.5)."""
    lines: list[bytes] = []
    named = "MailboxName" in group.events
    if before is None and named:
        lines.append(_list(session, now.name, _attributes(now)))
    elif before is not None and before.name != now.name and named:
        old: Value = ["OLDNAME", [session.mailbox_value(before.name)]]
        lines.append(_list(session, now.name, _attributes(now), old))
    if (
        before is not None
        and before.subscribed != now.subscribed
        and "SubscriptionChange" in group.events
    ):
        lines.append(_list(session, now.name, _attributes(now)))
    return lines


def _attributes(mailbox: Mailbox) -> list[str]:
    return ["\\Subscribed"] if mailbox.subscribed else []


def _list(session: ImapSession, name: str, attributes: list[str], *extra: Value) -> bytes:
    flags = Raw(encode_flags(attributes))
    return untagged(Atom("LIST"), flags, SEPARATOR, session.mailbox_value(name), *extra)


async def _status(session: ImapSession, mailbox: Mailbox, items: tuple[str, ...]) -> bytes:
    values = await status_values(session, mailbox, items)
    return untagged(Atom("STATUS"), session.mailbox_value(mailbox.name, quoted=False), values)
