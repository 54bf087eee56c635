"""SELECT/EXAMINE ... (QRESYNC (uidvalidity modseq [known-uids [seq-match]])), RFC 7162 §3.2.5.

When the UIDVALIDITY matches, SELECT adds, before its tagged OK:
`* VANISHED (EARLIER) uids` for the known UIDs expunged after the client's
MODSEQ (from the store's tombstones, which hato never trims), then
`* n FETCH (UID FLAGS MODSEQ)` for each known message changed after it
(§3.2.5.1).  Without known UIDs the client is taken to know 1:UIDNEXT-1.
The message sequence match data (§3.2.5.2) narrows VANISHED: every pair up
to the first that no longer matches shows the client already knows of each
expunge up to that UID.  A stale UIDVALIDITY means a plain SELECT.
"""

from __future__ import annotations

from collections.abc import Iterator

from hato.imap.condstore import flags_fetch, vanished_line
from hato.imap.reply import bad
from hato.imap.view import MailboxView
from hato.proto.imap import STAR, QResync, SequenceSet
from hato.store import Mailstore

__all__ = ["check_params", "resync_lines"]


def _members(numbers: SequenceSet) -> Iterator[int]:
    """The numbers of a set without "*", ascending, one at a time: the client's
    1:4294967295 is walked only as far as the mailbox goes."""
    for low, high in numbers.normalized(0):
        yield from range(low, high + 1)


def _size(numbers: SequenceSet) -> int:
    """How many numbers a set names; -1 if it uses "*" (seq-match data may not)."""
    if any(STAR in span for span in numbers.ranges):
        return -1
    return sum(high - low + 1 for low, high in numbers.normalized(0))


def check_params(params: QResync, enabled: bool) -> None:
    """BAD unless ENABLE QRESYNC came first (§3.2.5), or if the two sets of the
    message sequence match data do not pair up one to one (§3.2.5.2)."""
    if not enabled:
        raise bad("QRESYNC isn't enabled.")
    seqs, uids = params.known_sequences, params.known_sequence_uids
    if seqs is not None and uids is not None and not 0 <= _size(seqs) == _size(uids):
        raise bad("Invalid QRESYNC sequence match data.")


def _known_up_to(view: MailboxView, params: QResync) -> int:
    """The highest UID of the pairs that still match, up to the first that does not."""
    if params.known_sequences is None or params.known_sequence_uids is None:
        return 0
    known = 0
    for seq, uid in zip(
        _members(params.known_sequences), _members(params.known_sequence_uids), strict=True
    ):
        if seq > view.count or view.uids[seq - 1] != uid:
            break
        known = uid
    return known


async def resync_lines(mailstore: Mailstore, view: MailboxView, params: QResync) -> list[bytes]:
    """VANISHED (EARLIER) and FETCH lines that bring the client up to date."""
    if params.uidvalidity != view.uidvalidity:
        return []
    largest = max(view.uidnext - 1, view.uids[-1] if view.uids else 0)

    def known(uid: int) -> bool:
        return params.known_uids is None or params.known_uids.contains(uid, largest)

    changes = await mailstore.changes_since(view.id, params.modseq)
    floor = _known_up_to(view, params)
    gone = (uid for uid in changes.expunged if uid > floor and known(uid) and not view.has(uid))
    lines = [vanished_line(gone, earlier=True)]
    for summary in changes.changed:
        uid = summary.uid
        if view.has(uid) and known(uid) and view.summary(uid).modseq > params.modseq:
            lines.append(flags_fetch(view, uid, with_uid=True, modseq=True))
    return [line for line in lines if line]
