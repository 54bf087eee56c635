"""The selected mailbox as one session sees it (RFC 3501 §2.3.1.2, §2.3.2).

Sequence numbers are a per-session view over UIDs: they change only when this
session is told (an EXPUNGE response).  The per-message state (flags, size,
internal date, modseq) lives once per process in the mailbox's shared index
(hato.imap.mailbox_index); the view keeps only what is its own: the UIDs it
numbers (usually the index's current snapshot, shared with every other
up-to-date session), the messages that are \\Recent for this session, the
keywords the client was told of in FLAGS, the MODSEQ up to which it has
been told of changes, and its own STORE results (so they are not reported
back to it).  Expunges by other sessions that may not be reported yet
(RFC 3501 §7.4.1) wait in `pending_expunge`; those messages keep their
numbers (and their data, as ghosts of the index) until then.
"""

from __future__ import annotations

import asyncio
import weakref
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import partial

from hato.imap.mailbox_index import IndexRegistry, MailboxIndex
from hato.imap.reply import bad, no
from hato.proto.imap import STAR, SYSTEM_FLAGS, SequenceSet
from hato.store import Mailbox, MailboxChanges, Mailstore, MessageSummary, NoSuchMailbox, Store
from hato.store.notify import Subscription

__all__ = ["MailboxView", "open_view", "ordered_flags"]


def ordered_flags(flags: Iterable[str], recent: bool = False) -> list[str]:
    """System flags in Dovecot's order, then \\Recent, then keywords."""
    present = set(flags)
    words = [flag for flag in SYSTEM_FLAGS if flag in present]
    if recent:
        words.append("\\Recent")
    words += sorted(flag for flag in present if not flag.startswith("\\"))
    return words


#: The ranges of "1:*" (and "*:1"), which name every message of a mailbox.
_EVERY = (((1, STAR),), ((STAR, 1),))


class MailboxView:
    """One session's numbering and untold changes of its selected mailbox."""

    def __init__(
        self,
        mailbox: Mailbox,
        read_only: bool,
        index: MailboxIndex,
        first_recent: int,
        subscription: Subscription,
        keeps_recent: bool = True,
    ) -> None:
        self.id = mailbox.id
        self.name = mailbox.name
        self.uidvalidity = mailbox.uidvalidity
        self.index = index
        self.uids: Sequence[int] = index.uids
        self.uidnext = max(mailbox.uidnext, self.uids[-1] + 1 if self.uids else 1)
        self.modseq = index.modseq
        self.read_only = read_only
        self.subscription = subscription
        # an IMAP4rev2 session has no \Recent (RFC 9051 Appendix E): nothing is claimed
        self.keeps_recent = keeps_recent
        recent_from = bisect_left(self.uids, first_recent) if first_recent else len(self.uids)
        self.recent = set(self.uids[recent_from:])
        self.keywords = set(index.keywords())
        self.pending_expunge: set[int] = set()
        self.own: dict[int, int] = {}  # uid -> MODSEQ of this session's own STORE
        # RFC 5182 SEARCHRES: the UIDs saved by SEARCH RETURN (SAVE), for "$"
        self.saved_uids: list[int] = []
        # RFC 5267 CONTEXT UPDATE: UIDs added or whose flags changed, and UIDs removed,
        # since hato.imap.context_update last drained them (the session's own changes too)
        self.touched: set[int] = set()
        self.vanished: set[int] = set()
        index.views.add(self)

    def forget_recent(self) -> None:
        """No \\Recent from now on (the session enabled IMAP4rev2 while selected)."""
        self.keeps_recent = False
        self.recent.clear()

    @property
    def count(self) -> int:
        return len(self.uids)

    @property
    def recent_count(self) -> int:
        return len(self.recent)

    def summary(self, uid: int) -> MessageSummary:
        """The current state of a message in the view (KeyError if it is not)."""
        found = self.index.summary(uid) if self.has(uid) else None
        if found is None:
            raise KeyError(uid)
        return found

    def size(self, uid: int) -> int:
        """RFC822.SIZE of a UID the view holds (no summary is made): the shared index's,
        which keeps an expunged message's while a view still shows it; 0 if unknown."""
        return self.index.size_of(uid)

    def flag_set(self, uid: int) -> frozenset[str]:
        """A message's flags as the index interns them (one object for every message
        with the same flags), of a UID the view holds: no summary is made."""
        found = self.index.flags_of(uid)
        if found is None:
            raise KeyError(uid)
        return found

    def has(self, uid: int) -> bool:
        return self.seq(uid) > 0

    def is_recent(self, uid: int) -> bool:
        return uid in self.recent

    def seq(self, uid: int) -> int:
        """The sequence number of a UID in the view (1-based); 0 if absent."""
        index = bisect_left(self.uids, uid)
        return index + 1 if index < len(self.uids) and self.uids[index] == uid else 0

    def resolve(self, numbers: SequenceSet, uid: bool) -> list[tuple[int, int]]:
        """(seq, uid) pairs a sequence set names, ascending (RFC 3501 §6.4.8, §9).

        A message number beyond the count is BAD, as Dovecot answers; UIDs
        that do not exist are simply not there.
        """
        if numbers.saved:
            present = ((self.seq(found), found) for found in self.saved_uids)
            return [(seq, found) for seq, found in present if seq]
        if len(numbers.ranges) == 1 and numbers.ranges[0][0] == numbers.ranges[0][1] != STAR:
            return self._resolve_one(numbers.ranges[0][0], uid)
        uids = self.uids
        if uid:
            spans = numbers.uid_spans(uids)
        elif numbers.highest_explicit() > self.count:
            raise bad("Invalid messageset.")
        else:  # runs of positions, as uid_spans gives them
            spans = [
                (low - 1, min(high, self.count)) for low, high in numbers.normalized(self.count)
            ]
        pairs: list[tuple[int, int]] = []
        for start, end in spans:  # each run's pairs made in C: 1:* of a big mailbox
            pairs.extend(zip(range(start + 1, end + 1), uids[start:end], strict=True))
        return pairs

    def _resolve_one(self, number: int, uid: bool) -> list[tuple[int, int]]:
        """``resolve`` of a set of one number (no "*"), what a client reading message
        after message sends: the same pairs, without the set's ranges worked out."""
        if uid:
            seq = self.seq(number)
            return [(seq, number)] if seq else []
        if number > self.count:
            raise bad("Invalid messageset.")
        return [(number, self.uids[number - 1])]

    def resolve_among(
        self, numbers: SequenceSet, uid: bool, candidates: Iterable[int]
    ) -> list[tuple[int, int]]:
        """``resolve`` restricted to ``candidates`` (UIDs), without walking the whole set:
        FETCH (CHANGEDSINCE) over 1:* of a big mailbox names only what changed."""
        if not uid and not numbers.saved and numbers.highest_explicit() > self.count:
            raise bad("Invalid messageset.")
        saved = set(self.saved_uids) if numbers.saved else None
        uids = self.uids
        largest = uids[-1] if uid and uids else self.count
        every = saved is None and numbers.ranges in _EVERY  # 1:*, the set of every sync
        ordered = sorted(set(candidates))
        if every:  # each candidate the view holds, its position found by bisect in C
            positions = map(partial(bisect_left, uids), ordered)
            placed = zip(positions, ordered, strict=True)
            count = len(uids)
            return [(at + 1, one) for at, one in placed if at < count and uids[at] == one]
        found = []
        for candidate in ordered:
            at = bisect_left(uids, candidate)  # ``seq``, written out: a call a candidate
            if at == len(uids) or uids[at] != candidate:
                continue
            if saved is not None:
                named = candidate in saved
            else:
                named = numbers.contains(candidate if uid else at + 1, largest)
            if named:
                found.append((at + 1, candidate))
        return found

    def flags(self, uid: int) -> list[str]:
        """A message's flags in the order they are shown (KeyError if the view does not
        hold it): no summary is made."""
        if not self.has(uid):
            raise KeyError(uid)
        return ordered_flags(self.flag_set(uid), uid in self.recent)

    def first_unseen(self) -> int:
        if self.uids is self.index.uids:
            return self.index.first_unseen_position() + 1
        for seq, uid in enumerate(self.uids, 1):
            if "\\Seen" not in self.summary(uid).flags:
                return seq
        return 0

    async def changes_since(self, mailstore: Mailstore) -> MailboxChanges:
        """What this session has not been told yet: changed and new messages (with
        their current state), and expunged UIDs; then the view's MODSEQ moves on.

        The index asks the store once for every session; the session's own
        STORE results are left out unless someone changed the message since.
        """
        index = self.index
        await index.catch_up(mailstore)
        changed: dict[int, MessageSummary] = {}
        expunged: list[int] = []
        for entry in index.log_since(self.modseq):
            if entry.expunged:
                changed.pop(entry.uid, None)
                expunged.append(entry.uid)
                continue
            summary = index.summary(entry.uid)
            if summary is not None and self.own.get(entry.uid) != summary.modseq:
                changed[entry.uid] = summary
        last = self.uids[-1] if self.uids else 0
        for uid in index.uids[bisect_left(index.uids, last + 1) :]:
            if uid not in changed:
                summary = index.summary(uid)
                if summary is not None:
                    changed[uid] = summary
        self.modseq = max(self.modseq, index.modseq)
        self.own = {uid: mseq for uid, mseq in self.own.items() if mseq > index.modseq}
        ordered = [changed[uid] for uid in sorted(changed)]
        return MailboxChanges(index.modseq, self.uidnext, ordered, expunged)

    def update(self, summaries: Iterable[MessageSummary]) -> list[int]:
        """Take this session's own STORE results: visible to it at once, and not
        reported back to it later; the UIDs in the view among them."""
        summaries = [s for s in summaries if self.has(s.uid)]
        self.index.apply_own(summaries)
        for summary in summaries:
            self.own[summary.uid] = summary.modseq
        return self.told(summary.uid for summary in summaries)

    def told(self, uids: Iterable[int]) -> list[int]:
        """Flag changes the session reports now (its own or others'): the UIDs in the
        view among them, noted for CONTEXT UPDATE."""
        changed = [uid for uid in uids if self.has(uid)]
        self.touched.update(changed)
        return changed

    def take_keywords(self) -> bool:
        """Take the mailbox's keywords as told; True if some were not told yet.

        The index's keywords only grow and the view's are a copy of them, so a
        count tells whether any is new, without a walk over them: FETCH asks
        before every batch (another session's STORE may add one meanwhile).
        """
        if len(self.index.keywords()) == len(self.keywords):
            return False
        self.keywords = set(self.index.keywords())
        return True

    def add(self, summaries: Iterable[MessageSummary], first_recent: int) -> int:
        """Append new messages (UIDs above every known one); how many were added."""
        last = self.uids[-1] if self.uids else 0
        fresh = [s.uid for s in summaries if s.uid > last]
        if not fresh:
            return 0
        self._take_new(fresh, first_recent)
        self.touched.update(fresh)
        if not self._share(len(self.uids) + len(fresh)):
            uids = array("I", self.uids)
            uids.extend(fresh)
            self.uids = uids
        return len(fresh)

    def take_appended(
        self, uids: Sequence[int], modseq: int, fresh: Sequence[int], first_recent: int
    ) -> None:
        """Be told of new messages only (hato.imap.fanout): ``uids`` is the index's
        snapshot that ends with ``fresh`` and that the view now shares, ``modseq`` the
        index's after them. What ``changes_since`` and ``add`` do for such a change,
        for a view with nothing else untold."""
        self.modseq = modseq
        self._take_new(fresh, first_recent)
        self.uids = uids

    def _take_new(self, fresh: Sequence[int], first_recent: int) -> None:
        if first_recent:
            self.recent.update(uid for uid in fresh if uid >= first_recent)
        self.uidnext = max(self.uidnext, fresh[-1] + 1)

    def remove(self, uids: Iterable[int]) -> list[int]:
        """Drop messages; their sequence numbers, highest first, as EXPUNGE
        responses must then be sent (each number stays valid that way)."""
        seqs = sorted((self.seq(uid) for uid in set(uids)), reverse=True)
        seqs = [seq for seq in seqs if seq]
        gone = {self.uids[seq - 1] for seq in seqs}
        if gone:
            self.recent -= gone
            self.pending_expunge -= gone
            self.touched -= gone
            self.vanished |= gone
            if not self._share(len(self.uids) - len(gone)):
                remaining = array("I", self.uids)
                for seq in seqs:  # highest first: the lower positions stay valid
                    del remaining[seq - 1]
                self.uids = remaining
        return seqs

    def _share(self, count: int) -> bool:
        """Take the index's own snapshot as the numbering if it is the same list; True if so.

        It is when the view has been told everything up to the index's MODSEQ,
        has no expunge left to report, and will have as many messages: the view
        then holds every UID the index holds (its own expunges not yet caught
        up by the index only make it smaller).  Checked without building the
        list, so 1,000 sessions taking one new message cost no copy each.
        """
        current = self.index.uids
        caught_up = self.modseq >= self.index.modseq and not self.pending_expunge
        if caught_up and count == len(current):
            self.uids = current
            return True
        return False

    def close(self) -> None:
        self.subscription.close()
        self.index.views.discard(self)


_registries: weakref.WeakKeyDictionary[Store, tuple[asyncio.AbstractEventLoop, IndexRegistry]]
_registries = weakref.WeakKeyDictionary()


def registry(store: Store) -> IndexRegistry:
    """The store's index registry on the running loop (one per server process)."""
    loop = asyncio.get_running_loop()
    found = _registries.get(store)
    if found is None or found[0] is not loop:
        found = _registries[store] = (loop, IndexRegistry(store.notifier))
    return found[1]


async def _claim_if_new(mailstore: Mailstore, mailbox: Mailbox, index: MailboxIndex) -> int:
    """SELECT of a mailbox whose messages were all claimed as \\Recent already: no write
    (and no fsync) unless a message came in since the mailbox was read."""
    if index.uids and index.uids[-1] >= mailbox.uidnext:
        return await mailstore.claim_recent(mailbox.id)
    return mailbox.uidnext


async def open_view(
    store: Store, mailstore: Mailstore, name: str, read_only: bool, recent: bool = True
) -> MailboxView:
    """SELECT/EXAMINE's view of a mailbox; NO if it does not exist (RFC 3501 §6.3.1).

    SELECT claims \\Recent for this session; EXAMINE only looks (RFC 3501 §6.3.2); an
    IMAP4rev2 session (``recent`` False) has no \\Recent and claims nothing (RFC 9051).
    """
    mailbox = await mailstore.get_mailbox(name)
    if mailbox is None:
        raise no(f"Mailbox doesn't exist: {name}")
    subscription = store.notifier.subscribe(mailbox.id)
    try:
        indexes = registry(store)
        if not recent:
            first_recent = 0
            index = await indexes.open(mailstore, mailbox)
        elif read_only:
            first_recent = mailbox.first_recent_uid
            index = await indexes.open(mailstore, mailbox)
        elif mailbox.first_recent_uid < mailbox.uidnext:
            first_recent = await mailstore.claim_recent(mailbox.id)
            index = await indexes.open(mailstore, mailbox)
        else:  # every message was claimed already: no write unless one just came in
            index = await indexes.open(mailstore, mailbox)
            first_recent = await _claim_if_new(mailstore, mailbox, index)
    except NoSuchMailbox:
        subscription.close()
        registry(store).forget(mailbox)
        raise no(f"Mailbox doesn't exist: {name}") from None
    return MailboxView(mailbox, read_only, index, first_recent, subscription, recent)
