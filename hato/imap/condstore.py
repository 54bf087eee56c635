"""What CONDSTORE and QRESYNC change in a session's answers (RFC 7162).

CONDSTORE is enabled by the first command that uses it (§3.1: SELECT/EXAMINE
(CONDSTORE), ENABLE CONDSTORE, FETCH MODSEQ or CHANGEDSINCE, STORE
UNCHANGEDSINCE, SEARCH MODSEQ, STATUS HIGHESTMODSEQ); from then on every
untagged FETCH that reports flags carries MODSEQ (§3.1.2, §3.1.3).  ENABLE
QRESYNC also enables CONDSTORE (§3.2.3); then untagged FETCH responses carry
UID too, and expunges are told as `* VANISHED uids` instead of one
`* n EXPUNGE` per message (§3.2.10).  The session keeps the two switches
(`session.condstore`, `session.qresync`); the functions here read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from hato.imap.context_update import before_expunge
from hato.imap.view import MailboxView
from hato.proto.imap import (
    Raw,
    SearchKey,
    SearchModSeq,
    Value,
    encode_flags,
    expunge_response,
    fetch_response,
    format_sequence,
    resp_code,
    search_leaves,
    untagged_status,
    vanished_response,
)

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = [
    "enable_condstore", "enable_qresync", "expunge_lines", "flags_fetch", "highest_modseq",
    "modseq_value",
    "search_modseq_suffix", "uses_modseq", "vanished_line",
]  # fmt: skip


def enable_condstore(session: ImapSession) -> None:
    """A CONDSTORE-enabling command ran (RFC 7162 §3.1); it stays on until LOGOUT.

    Turned on while a mailbox is selected, it first tells the mailbox's
    HIGHESTMODSEQ (RFC 7162 §3.1, as Dovecot and imaptest's esearch-condstore).
    """
    if session.condstore:
        return
    session.condstore = True
    if session.view is not None:
        code = resp_code("HIGHESTMODSEQ", session.view.modseq)
        session.send(untagged_status("OK", "Highest", code))


def enable_qresync(session: ImapSession) -> None:
    """ENABLE QRESYNC (RFC 7162 §3.2.3) implies CONDSTORE."""
    enable_condstore(session)
    session.qresync = True


def modseq_value(modseq: int) -> Raw:
    """The MODSEQ fetch item's value: a parenthesised number (RFC 7162 §3.1.4)."""
    return Raw(b"(%d)" % modseq)


def flags_fetch(
    view: MailboxView, uid: int, *, with_uid: bool, modseq: bool, flags: bool = True
) -> bytes:
    """`* n FETCH (UID u MODSEQ (m) FLAGS (...))`, each part only when asked for,
    in Dovecot's order."""
    items: list[tuple[str, Value]] = [("UID", uid)] if with_uid else []
    if modseq:
        items.append(("MODSEQ", modseq_value(view.summary(uid).modseq)))
    if flags:
        items.append(("FLAGS", Raw(encode_flags(view.flags(uid)))))
    return fetch_response(view.seq(uid), items)


def vanished_line(uids: Iterable[int], earlier: bool = False) -> bytes:
    """`* VANISHED [(EARLIER)] uid-set` (RFC 7162 §3.2.10); empty if no UIDs."""
    found = sorted(set(uids))
    if not found:
        return b""
    return vanished_response(format_sequence(found), earlier)


def expunge_lines(view: MailboxView, uids: Iterable[int], vanished: bool) -> list[bytes]:
    """Take messages out of the view and say so: one EXPUNGE per message, highest
    number first (RFC 3501 §7.4.1), or one VANISHED once QRESYNC is on (§3.2.10)."""
    present = sorted(uid for uid in set(uids) if view.has(uid))
    notices = before_expunge(view, present)  # RFC 5267 §4.3.4: REMOVEFROM goes first
    seqs = view.remove(present)
    if vanished:
        return [*notices, vanished_line(present)] if present else notices
    return [*notices, *(expunge_response(seq) for seq in seqs)]


def uses_modseq(key: SearchKey) -> bool:
    """True if a search program has a MODSEQ key anywhere (RFC 7162 §3.1.5)."""
    return any(isinstance(leaf, SearchModSeq) for leaf in search_leaves(key))


def highest_modseq(view: MailboxView, uids: Iterable[int]) -> int:
    """The highest MODSEQ of the messages found (0 if none): ESEARCH's `MODSEQ n`."""
    return max((view.summary(uid).modseq for uid in uids), default=0)


def search_modseq_suffix(session: ImapSession, criteria: SearchKey, uids: Iterable[int]) -> bytes:
    """` (MODSEQ n)` for the `* SEARCH` answer of a search with a MODSEQ key: the
    highest MODSEQ of the messages found, nothing when none was; such a search
    enables CONDSTORE (RFC 7162 §3.1.5)."""
    if not uses_modseq(criteria):
        return b""
    enable_condstore(session)
    highest = highest_modseq(session.require_view(), uids)
    return b" (MODSEQ %d)" % highest if highest else b""
