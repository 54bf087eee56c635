"""The selected mailbox as one session sees it (RFC 3501 §2.3.1.2, §2.3.2).

Sequence numbers are a per-session view over UIDs: they change only when this
session is told (an EXPUNGE response).  The view keeps, per message, the
summary the store gave (flags, size, internal date, modseq), the messages
that are \\Recent for this session, and the keywords the client was told
of in FLAGS.  Expunges by other sessions that may not be reported yet
(RFC 3501 §7.4.1) wait in `pending_expunge`; those messages keep their
numbers until then.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from hato.imap.reply import bad, no
from hato.proto.imap import SYSTEM_FLAGS, SequenceSet
from hato.store import Mailbox, Mailstore, MessageSummary, NoSuchMailbox, Store
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


class MailboxView:
    """One session's numbering and cached state of its selected mailbox."""

    def __init__(
        self,
        mailbox: Mailbox,
        read_only: bool,
        summaries: list[MessageSummary],
        first_recent: int,
        subscription: Subscription,
    ) -> None:
        self.id = mailbox.id
        self.name = mailbox.name
        self.uidvalidity = mailbox.uidvalidity
        self.uidnext = max(mailbox.uidnext, summaries[-1].uid + 1 if summaries else 1)
        self.modseq = mailbox.highestmodseq
        self.read_only = read_only
        self.subscription = subscription
        self.uids = [summary.uid for summary in summaries]
        self.messages = {summary.uid: summary for summary in summaries}
        self.recent = {uid for uid in self.uids if uid >= first_recent}
        self.keywords = {f for s in summaries for f in s.flags if not f.startswith("\\")}
        self.pending_expunge: set[int] = set()
        # RFC 5182 SEARCHRES: the UIDs saved by SEARCH RETURN (SAVE), for "$"
        self.saved_uids: list[int] = []
        # RFC 5267 CONTEXT UPDATE: UIDs added or whose flags changed, and UIDs removed,
        # since hato.imap.context_update last drained them (the session's own changes too)
        self.touched: set[int] = set()
        self.vanished: set[int] = set()

    @property
    def count(self) -> int:
        return len(self.uids)

    @property
    def recent_count(self) -> int:
        return len(self.recent)

    def summary(self, uid: int) -> MessageSummary:
        """The cached state of a message in the view (KeyError if it is not)."""
        return self.messages[uid]

    def has(self, uid: int) -> bool:
        return uid in self.messages

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
        if uid:
            return [(self.seq(found), found) for found in numbers.select_uids(self.uids)]
        if numbers.highest_explicit() > self.count:
            raise bad("Invalid messageset.")
        return [(seq, self.uids[seq - 1]) for seq in numbers.sequence_numbers(self.count)]

    def flags(self, uid: int) -> list[str]:
        return ordered_flags(self.messages[uid].flags, uid in self.recent)

    def permanent_flags(self) -> list[str]:
        if self.read_only:
            return []
        return [*SYSTEM_FLAGS, *sorted(self.keywords), "\\*"]

    def first_unseen(self) -> int:
        for seq, uid in enumerate(self.uids, 1):
            if "\\Seen" not in self.messages[uid].flags:
                return seq
        return 0

    def update(self, summaries: Iterable[MessageSummary]) -> list[int]:
        """Take new flags; the UIDs whose flags really changed."""
        changed = []
        for summary in summaries:
            old = self.messages.get(summary.uid)
            if old is None:
                continue
            self.messages[summary.uid] = summary
            if old.flags != summary.flags:
                changed.append(summary.uid)
        self.touched.update(changed)
        return changed

    def new_keywords(self, flags: Iterable[str]) -> bool:
        """Remember keywords not announced yet; True if there were any."""
        fresh = {flag for flag in flags if not flag.startswith("\\")} - self.keywords
        self.keywords |= fresh
        return bool(fresh)

    def add(self, summaries: Iterable[MessageSummary], first_recent: int) -> int:
        """Append new messages (UIDs above every known one); how many were added."""
        added = 0
        for summary in summaries:
            if self.uids and summary.uid <= self.uids[-1]:
                continue
            self.uids.append(summary.uid)
            self.messages[summary.uid] = summary
            if first_recent and summary.uid >= first_recent:
                self.recent.add(summary.uid)
            self.uidnext = max(self.uidnext, summary.uid + 1)
            self.touched.add(summary.uid)
            added += 1
        return added

    def remove(self, uids: Iterable[int]) -> list[int]:
        """Drop messages; their sequence numbers, highest first, as EXPUNGE
        responses must then be sent (each number stays valid that way)."""
        seqs = sorted((self.seq(uid) for uid in set(uids)), reverse=True)
        seqs = [seq for seq in seqs if seq]
        gone = {self.uids[seq - 1] for seq in seqs}
        if gone:
            self.uids = [uid for uid in self.uids if uid not in gone]
            for uid in gone:
                del self.messages[uid]
                self.recent.discard(uid)
            self.pending_expunge -= gone
            self.touched -= gone
            self.vanished |= gone
        return seqs


async def open_view(store: Store, mailstore: Mailstore, name: str, read_only: bool) -> MailboxView:
    """SELECT/EXAMINE's view of a mailbox; NO if it does not exist (RFC 3501 §6.3.1).

    SELECT claims \\Recent for this session; EXAMINE only looks (RFC 3501 §6.3.2).
    """
    mailbox = await mailstore.get_mailbox(name)
    if mailbox is None:
        raise no(f"Mailbox doesn't exist: {name}")
    subscription = store.notifier.subscribe(mailbox.id)
    try:
        if read_only:
            first_recent = mailbox.first_recent_uid
        else:
            first_recent = await mailstore.claim_recent(mailbox.id)
        summaries = await mailstore.messages(mailbox.id)
    except NoSuchMailbox:
        subscription.close()
        raise no(f"Mailbox doesn't exist: {name}") from None
    return MailboxView(mailbox, read_only, summaries, first_recent, subscription)
