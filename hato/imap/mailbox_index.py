"""One in-memory index per selected mailbox, shared by every session of the process.

Theory of operation.  A session's view of its selected mailbox needs, per
message, the UID, flags, MODSEQ, size and INTERNALDATE (RFC 3501 §2.3).
Keeping those per session makes memory grow with sessions × messages
(1,000 IDLE clients on a 100,000-message INBOX would need gigabytes), so
they live here once, in compact arrays, and views keep only what is truly
theirs: their sequence numbering, \\Recent, and what they have not been
told yet (RFC 3501 §7.4.1).

- ``uids`` is an ascending ``array('I')`` that is never changed in place:
  new mail or an expunge makes a new array, so a view can keep the one it
  numbers its messages by (a *snapshot*) while others move on.  Views that
  are up to date share the same snapshot object.
- The per-message columns (``modseqs``, ``sizes``, ``dates``, ``flag_ids``)
  follow the current ``uids``; flag sets are interned (``FlagSets``), so a
  message costs about 30 bytes whatever the number of sessions.
- ``catch_up`` asks the store what changed since the index's MODSEQ (one
  indexed query, RFC 7162 §3.1) at most once per notification, however many
  sessions wake up, and records each change in ``log`` as (modseq, uid,
  expunged).  A view replays the log past its own MODSEQ to learn what to
  report; entries every live view has passed are trimmed, but for the last
  ``KEPT_CHANGES``, so that a client coming back with FETCH (CHANGEDSINCE) is
  answered from the log (``logged_from`` says how far back it is complete).
- Expunged messages stay readable as *ghosts* while some view still numbers
  them (their EXPUNGE may not be sent yet during FETCH/STORE/SEARCH).
- ``version`` counts the changes to the columns; with the index's ``serial`` (unique in
  the process) it names what they hold. ``KeptAnswers`` keeps FETCH answers made from
  them under that name (hato.imap.fetch_quick): a client that asks again for the flags of
  an unchanged mailbox is sent the bytes made last time.

``IndexRegistry`` hands out the index of a mailbox and keeps the last few
unused ones warm, as Dovecot keeps its index files, so a re-SELECT does not
reload the mailbox.
"""

from __future__ import annotations

import asyncio
import weakref
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence, Set
from dataclasses import dataclass
from itertools import compress, count
from typing import TYPE_CHECKING

from hato.bounded import SizedLru
from hato.imap.sort_cache import KeyCache
from hato.store import Mailbox, MailboxChanges, Mailstore, MessageSummary
from hato.store.notify import Notifier, Subscription

if TYPE_CHECKING:
    from hato.imap.fanout import FanOut
    from hato.imap.view import MailboxView

__all__ = [
    "KEPT_ANSWER_BYTES", "KEPT_CHANGES", "SCAN_LIMIT", "FlagSets", "IndexRegistry", "KeptAnswers",
    "LogEntry", "MailboxIndex",
]  # fmt: skip

#: Messages up to which a question over every message (CHANGEDSINCE) older than the log
#: walks the index rather than asking the store: about 0.6 ms of Python at this size (57
#: ns a message), near the cost of a query on the pool and its answer's summaries;
#: beyond it the store's index is faster.
SCAN_LIMIT = 10_000
#: Log entries kept when no live view needs them any more: the changes a FETCH
#: (CHANGEDSINCE) of a client that was away is answered from (a few microseconds for a
#: hundred changes, where the walk of 2,000 messages takes 115 us); about 80 bytes each.
KEPT_CHANGES = 1_000
#: Bytes of FETCH answers kept for the same question again, in all (one ``KeptAnswers``
#: per registry, so per process): 4 MiB, the flags of some 130,000 messages, an answer
#: at most a quarter of it (``FETCH 1:* (FLAGS)`` answers 4,096 messages a piece).
KEPT_ANSWER_BYTES = 4 << 20
_SERIALS = count(1)


class KeptAnswers(SizedLru[Hashable, bytes]):
    """Answers made from indexes' columns, each under a key that names the index's serial
    and version (``MailboxIndex.answer_key``): a change to the index makes its entries
    unreachable, and they age out. At most ``limit`` bytes in all (hato.bounded)."""

    def __init__(self, limit: int = KEPT_ANSWER_BYTES) -> None:
        super().__init__(limit, len)


class FlagSets:
    """Interned flag sets: each distinct set of flags is stored once, named by an int."""

    def __init__(self) -> None:
        self.sets: list[frozenset[str]] = []
        self.keywords: set[str] = set()
        self._folded: set[str] = set()  # the keywords in lower case
        self._ids: dict[frozenset[str], int] = {}

    def id_of(self, flags: frozenset[str]) -> int:
        found = self._ids.get(flags)
        if found is None:
            found = self._ids[flags] = len(self.sets)
            self.sets.append(flags)
            self.add_keywords(flags)
        return found

    def add_keywords(self, flags: Iterable[str]) -> None:
        """Keywords are case-insensitive (RFC 3501 §2.3.2): the first spelling stays."""
        for flag in flags:
            folded = flag.lower()
            if not flag.startswith("\\") and folded not in self._folded:
                self._folded.add(folded)
                self.keywords.add(flag)

    def ids_without(self, flag: str) -> set[int]:
        return {index for index, flags in enumerate(self.sets) if flag not in flags}


@dataclass(frozen=True, slots=True)
class LogEntry:
    modseq: int
    uid: int
    expunged: bool


class MailboxIndex:
    """The shared per-message state of one mailbox (see the module docstring)."""

    def __init__(
        self,
        mailbox_id: int,
        modseq: int,
        summaries: Sequence[MessageSummary],
        notifier: Notifier,
        answers: KeptAnswers | None = None,
    ) -> None:
        self.mailbox_id = mailbox_id
        self.modseq = modseq
        self.serial = next(_SERIALS)
        self.version = 0  # one more at each change to the columns below
        self.answers = KeptAnswers() if answers is None else answers
        self.flag_sets = FlagSets()
        self.uids = array("I", (s.uid for s in summaries))
        self.modseqs = array("Q", (s.modseq for s in summaries))
        self.sizes = array("Q", (s.size for s in summaries))
        self.dates = array("q", (s.internal_date for s in summaries))
        self.flag_ids = array("I", (self.flag_sets.id_of(s.flags) for s in summaries))
        self.log: list[LogEntry] = []
        self.logged_from = modseq  # every change above this MODSEQ is in ``log``
        self.ghosts: dict[int, MessageSummary] = {}
        # SORT/THREAD keys read so far; they say which ``uids`` snapshot they were made for
        self.sort_keys = KeyCache()
        self.views: weakref.WeakSet[MailboxView] = weakref.WeakSet()
        self._unseen_from = 0  # every position before it is \Seen
        self._lock = asyncio.Lock()
        self._recent_lock = asyncio.Lock()
        self._claimed_to = 0  # UIDs below it are claimed as \Recent (here or elsewhere)
        self._unassigned_from = 0  # this process's claimed UIDs from here on: the next view's
        # the idling sessions told of new mail at once, in one pass (hato.imap.fanout)
        self.fanout: FanOut | None = None
        signal = _Signal(self._signalled)
        self.subscription: Subscription = notifier.subscribe(mailbox_id, True, signal)

    def close(self) -> None:
        self.subscription.close()

    def _signalled(self) -> None:
        if self.fanout is not None:
            self.fanout.signalled()

    def settled(self) -> bool:
        """True if no change is signalled and none is being caught up: the index holds
        every change published so far."""
        return not self.subscription.changed.is_set() and not self._lock.locked()

    # -- reading -------------------------------------------------------------------

    def position(self, uid: int) -> int:
        """The index of ``uid`` in ``uids``, or -1."""
        found = bisect_left(self.uids, uid)
        return found if found < len(self.uids) and self.uids[found] == uid else -1

    def answer_key(self, *question: Hashable) -> tuple[Hashable, ...]:
        """The key of an answer to ``question`` made from the columns as they are now."""
        return (self.serial, self.version, *question)

    def summary(self, uid: int) -> MessageSummary | None:
        at = self.position(uid)
        if at < 0:
            return self.ghosts.get(uid)
        flags = self.flag_sets.sets[self.flag_ids[at]]
        return MessageSummary(uid, self.modseqs[at], self.sizes[at], flags, self.dates[at])

    def changed_since(self, modseq: int) -> list[int] | None:
        """The UIDs whose MODSEQ is above ``modseq`` (RFC 7162 §3.1.4.1), ascending, when
        the index holds every change published: from the log if it reaches back that far
        (a message's MODSEQ is at least that of any entry of it, so each one named has
        changed), else by a walk of a mailbox small enough (``SCAN_LIMIT``); None when
        the store's MODSEQ index should be asked instead."""
        if not self.settled():
            return None
        if modseq >= self.logged_from:
            entries = self.log_since(modseq)
            gone = {entry.uid for entry in entries if entry.expunged}
            return sorted({entry.uid for entry in entries} - gone)
        if len(self.uids) > SCAN_LIMIT:
            return None
        return list(compress(self.uids, map(modseq.__lt__, self.modseqs)))  # a loop in C

    def size_of(self, uid: int) -> int:
        """A message's RFC822.SIZE, without the rest of its summary; 0 if unknown."""
        at = self.position(uid)
        if at < 0:
            ghost = self.ghosts.get(uid)
            return 0 if ghost is None else ghost.size
        return self.sizes[at]

    def flags_of(self, uid: int) -> frozenset[str] | None:
        """A message's flags (its interned set: the same object for every message with
        those flags), without the rest of its summary."""
        at = self.position(uid)
        if at < 0:
            ghost = self.ghosts.get(uid)
            return None if ghost is None else ghost.flags
        return self.flag_sets.sets[self.flag_ids[at]]

    def keywords(self) -> Set[str]:
        """Every keyword the index has seen on a message or a STORE has named, as Dovecot
        keeps a mailbox's keywords once used: from the few interned flag sets, not a pass
        over messages. It only grows."""
        return self.flag_sets.keywords

    def create_keywords(self, flags: Iterable[str]) -> None:
        """The keywords a STORE names join the mailbox's, even those it removes, as
        Dovecot's STORE creates them (mailbox_keywords_create): every session is told."""
        self.flag_sets.add_keywords(flags)

    def first_unseen_position(self) -> int:
        """The index of the first message without \\Seen in ``uids``, or -1."""
        unseen = self.flag_sets.ids_without("\\Seen")
        ids = self.flag_ids
        for at in range(self._unseen_from, len(ids)):
            if ids[at] in unseen:
                self._unseen_from = at
                return at
        self._unseen_from = len(ids)
        return -1

    def log_since(self, modseq: int) -> list[LogEntry]:
        """The changes recorded after ``modseq``, oldest first."""
        log = self.log
        low, high = 0, len(log)
        while low < high:
            middle = (low + high) // 2
            if log[middle].modseq <= modseq:
                low = middle + 1
            else:
                high = middle
        return log[low:]

    # -- changing --------------------------------------------------------------------

    async def catch_up(self, mailstore: Mailstore) -> None:
        """Take what changed since ``modseq`` if the store said the mailbox changed."""
        async with self._lock:
            if not self.subscription.changed.is_set():
                return
            self.subscription.changed.clear()
            try:
                changes = await mailstore.changes_since(self.mailbox_id, self.modseq)
            except BaseException:
                self.subscription.changed.set()  # not taken: the next catch-up asks again
                raise
            self._apply(changes)
        if self.fanout is not None:
            self.fanout.moved()

    async def recent_for(self, mailstore: Mailstore, newest: int) -> int:
        """The first UID \\Recent for a view taking new messages up to ``newest``.

        RFC 3501 §2.3.2: a new message is \\Recent in one session only. The
        store is asked once per process (one durable write, not one per
        idling session); the UIDs it gave this process go to the first view
        that takes them, every other view gets a UID above them (none recent).
        """
        await self.claim_through(mailstore, newest)
        return self.give_recent(newest)

    async def claim_through(self, mailstore: Mailstore, newest: int) -> None:
        """Claim \\Recent from the store for this process up to ``newest`` (if not yet)."""
        async with self._recent_lock:
            if newest >= self._claimed_to:
                first = await mailstore.claim_recent(self.mailbox_id)
                self._unassigned_from = max(first, self._unassigned_from)
                self._claimed_to = newest + 1

    def give_recent(self, newest: int) -> int:
        """After ``claim_through(newest)``: the first UID \\Recent for the view asking
        (the claimed UIDs for the first, none for the others)."""
        given = self._unassigned_from
        self._unassigned_from = max(given, newest + 1)
        return given

    def apply_own(self, summaries: Iterable[MessageSummary]) -> None:
        """A session's own STORE result, visible to it at once (logged at the next catch-up)."""
        for summary in summaries:
            at = self.position(summary.uid)
            if at >= 0 and summary.modseq >= self.modseqs[at]:
                self._set(at, summary)

    def _set(self, at: int, summary: MessageSummary) -> None:
        self.version += 1
        self.modseqs[at] = summary.modseq
        self.flag_ids[at] = self.flag_sets.id_of(summary.flags)
        if "\\Seen" not in summary.flags:
            self._unseen_from = min(self._unseen_from, at)

    def _apply(self, changes: MailboxChanges) -> None:
        last = self.uids[-1] if self.uids else 0
        fresh = []
        entries = [LogEntry(summary.modseq, summary.uid, False) for summary in changes.changed]
        for summary in changes.changed:
            at = self.position(summary.uid)
            if at >= 0:
                if summary.modseq >= self.modseqs[at]:
                    self._set(at, summary)
            elif summary.uid > last:
                fresh.append(summary)
        entries.extend(LogEntry(changes.highestmodseq, uid, True) for uid in changes.expunged)
        self._log(entries)
        if fresh:
            self._append(fresh)
        if changes.expunged:
            self._remove(set(changes.expunged))
        self.modseq = max(self.modseq, changes.highestmodseq)
        self._trim()

    def _log(self, entries: list[LogEntry]) -> None:
        """Add a catch-up's entries, the log kept in MODSEQ order: they all come after
        the entries before (the store was asked for what is above the index's MODSEQ),
        so only they are sorted, not the up to ``KEPT_CHANGES`` kept."""
        entries.sort(key=lambda entry: entry.modseq)
        behind = bool(self.log and entries) and entries[0].modseq < self.log[-1].modseq
        self.log.extend(entries)
        if behind:  # not expected; the order is what log_since relies on
            self.log.sort(key=lambda entry: entry.modseq)

    def _append(self, fresh: list[MessageSummary]) -> None:
        self.version += 1
        uids = array("I", self.uids)  # a new snapshot: views may hold the old one
        uids.extend(s.uid for s in fresh)
        self.uids = uids
        self.modseqs.extend(s.modseq for s in fresh)
        self.sizes.extend(s.size for s in fresh)
        self.dates.extend(s.internal_date for s in fresh)
        self.flag_ids.extend(self.flag_sets.id_of(s.flags) for s in fresh)
        if any("\\Seen" not in s.flags for s in fresh):
            self._unseen_from = min(self._unseen_from, len(uids) - len(fresh))

    def _remove(self, gone: set[int]) -> None:
        keep = [at for at, uid in enumerate(self.uids) if uid not in gone]
        if len(keep) == len(self.uids):
            return
        self.version += 1
        for uid in gone:
            summary = self.summary(uid)
            if summary is not None:
                self.ghosts[uid] = summary
        self.uids = array("I", (self.uids[at] for at in keep))
        self.modseqs = array("Q", (self.modseqs[at] for at in keep))
        self.sizes = array("Q", (self.sizes[at] for at in keep))
        self.dates = array("q", (self.dates[at] for at in keep))
        self.flag_ids = array("I", (self.flag_ids[at] for at in keep))
        self._unseen_from = 0

    def _trim(self) -> None:
        """Drop log entries that no live view can still need, but for the last
        ``KEPT_CHANGES``, and ghosts no view numbers any more."""
        views = list(self.views)
        log = self.log
        if len(log) > KEPT_CHANGES:
            needed = min((view.modseq for view in views), default=self.modseq)
            cut = min(needed, log[-KEPT_CHANGES].modseq - 1)
            if log[0].modseq <= cut:
                self.log = self.log_since(cut)
                self.logged_from = max(self.logged_from, cut)
        if self.ghosts:
            snapshots = {id(view.uids): view.uids for view in views}.values()
            for uid in list(self.ghosts):
                if not any(_contains(snapshot, uid) for snapshot in snapshots):
                    del self.ghosts[uid]


class _Signal(asyncio.Event):
    """The index's change flag, which also starts the fan-out to idling sessions."""

    def __init__(self, then: Callable[[], None]) -> None:
        super().__init__()
        self._then = then

    def set(self) -> None:
        super().set()
        self._then()


def _contains(uids: Sequence[int], uid: int) -> bool:
    found = bisect_left(uids, uid)
    return found < len(uids) and uids[found] == uid


class IndexRegistry:
    """The indexes of one store's mailboxes; the last ``warm`` unused ones are kept."""

    def __init__(self, notifier: Notifier, warm: int = 16) -> None:
        self._notifier = notifier
        self._live: weakref.WeakValueDictionary[tuple[int, int], MailboxIndex]
        self._live = weakref.WeakValueDictionary()
        self._warm: OrderedDict[tuple[int, int], MailboxIndex] = OrderedDict()
        self._size = warm
        self._loading: dict[tuple[int, int], asyncio.Lock] = {}
        self.answers = KeptAnswers()

    async def open(self, mailstore: Mailstore, mailbox: Mailbox) -> MailboxIndex:
        """The mailbox's index, loaded with one query if no session has it.

        Indexes are keyed by (id, UIDVALIDITY): a mailbox deleted and created
        again may get the same id (SQLite reuses row ids), never the same
        UIDVALIDITY (RFC 3501 §2.3.1.1).
        """
        key = (mailbox.id, mailbox.uidvalidity)
        lock = self._loading.setdefault(key, asyncio.Lock())
        async with lock:
            index = self._live.get(key)
            if index is None:
                index = await self._load(mailstore, mailbox.id)
                self._live[key] = index
            else:
                await index.catch_up(mailstore)
        self._loading.pop(key, None)
        self._keep_warm(key, index)
        return index

    async def _load(self, mailstore: Mailstore, mailbox_id: int) -> MailboxIndex:
        # subscribe before reading, so a change during the read is caught up later
        # (the flag stays set: the next catch_up re-reads from the loaded MODSEQ)
        index = MailboxIndex(mailbox_id, 0, (), self._notifier, self.answers)
        try:
            changes = await mailstore.changes_since(mailbox_id, 0)
        except BaseException:
            index.close()
            raise
        index._append(changes.changed)
        index.modseq = index.logged_from = changes.highestmodseq
        weakref.finalize(index, index.subscription.close)
        return index

    def _keep_warm(self, key: tuple[int, int], index: MailboxIndex) -> None:
        self._warm[key] = index
        self._warm.move_to_end(key)
        while len(self._warm) > self._size:
            self._warm.popitem(last=False)

    def forget(self, mailbox: Mailbox) -> None:
        """The mailbox is gone (NoSuchMailbox): drop its index."""
        key = (mailbox.id, mailbox.uidvalidity)
        self._warm.pop(key, None)
        self._live.pop(key, None)
