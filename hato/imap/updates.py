"""Telling a session what other sessions, POP3 and delivery changed (RFC 3501 §7.4.1).

The store's notifier sets the view's `subscription.changed` after every
committed change to the mailbox; only then does the session ask the store
what changed since the MODSEQ it knows (one indexed query).  The answer
becomes untagged responses: EXPUNGE (unless the command in progress is a
FETCH, STORE or SEARCH, during which RFC 3501 §7.4.1 forbids them), EXISTS
and RECENT for new mail (RFC 3501 §7.3.1, §7.3.2), FLAGS first when the
mailbox has a keyword the session was not told of, and FETCH (FLAGS) for flags
changed elsewhere (RFC 3501 §7.4.2).
"""

from __future__ import annotations

from enum import Enum

from hato.bounded import SizedLru
from hato.imap.condstore import expunge_lines, flags_fetch
from hato.imap.view import MailboxView
from hato.proto.imap import (
    SYSTEM_FLAGS,
    Atom,
    Raw,
    encode_flags,
    exists_response,
    recent_response,
    resp_code,
    untagged,
    untagged_status,
)
from hato.store import MailboxChanges, Mailstore

__all__ = ["KEPT_FLAG_BYTES", "FlagNews", "count_lines", "flags_lines", "keyword_lines", "refresh"]

#: Bytes of FLAGS and PERMANENTFLAGS lines kept (``flags_lines``); the lines name the
#: keywords twice, so the keys they are kept under are bounded too. A set of keywords
#: whose lines pass a quarter of it is made anew each time (hato.bounded).
KEPT_FLAG_BYTES = 64 * 1024


class FlagNews(Enum):
    """How a session is told of other sessions' flag changes in its mailbox."""

    TOLD = "told"  # FETCH (FLAGS), as RFC 3501 §7.4.2 has it
    WITH_UID = "with UID"  # NOTIFY's FlagChange: FETCH with UID and FLAGS (RFC 5465 §5.1)
    UNTOLD = "untold"  # NOTIFY without FlagChange for the selected mailbox (§3.1, §5)


def flags_lines(view: MailboxView) -> list[bytes]:
    """FLAGS and PERMANENTFLAGS, as SELECT sends them and as keywords grow: made once for
    each set of keywords and kept (most mailboxes have none, or the same few for long)."""
    key = (tuple(sorted(view.keywords)), view.read_only)
    lines = _kept_flag_lines.get(key)
    if lines is None:
        lines = _made_flags_lines(*key)
        _kept_flag_lines.keep(key, lines)
    return list(lines)


def _made_flags_lines(keywords: tuple[str, ...], read_only: bool) -> tuple[bytes, bytes]:
    flags = Raw(encode_flags([*SYSTEM_FLAGS, *keywords]))
    permanent = Raw(encode_flags([] if read_only else [*SYSTEM_FLAGS, *keywords, "\\*"]))
    text = "Read-only mailbox." if read_only else "Flags permitted."
    return (
        untagged(Atom("FLAGS"), flags),
        untagged_status("OK", text, resp_code("PERMANENTFLAGS", permanent)),
    )


_kept_flag_lines: SizedLru[tuple[tuple[str, ...], bool], tuple[bytes, bytes]] = SizedLru(
    KEPT_FLAG_BYTES, lambda lines: len(lines[0]) + len(lines[1])
)


def count_lines(view: MailboxView) -> list[bytes]:
    """EXISTS and RECENT (RFC 3501 §7.3.1, §7.3.2), as SELECT and new mail send them;
    EXISTS alone under IMAP4rev2, which has no RECENT (RFC 9051 Appendix E)."""
    exists = exists_response(view.count)
    if not view.keeps_recent:
        return [exists]
    return [exists, recent_response(view.recent_count)]


def keyword_lines(view: MailboxView) -> list[bytes]:
    """FLAGS and PERMANENTFLAGS again if the mailbox has keywords the session was not
    told of: sent before any FETCH that may show one, since a client knows keywords only
    from FLAGS (RFC 3501 §7.2.6; imaptest: "Keyword used without being in FLAGS")."""
    return flags_lines(view) if view.take_keywords() else []


async def refresh(
    mailstore: Mailstore,
    view: MailboxView,
    expunges: bool,
    condstore: bool = False,
    qresync: bool = False,
    flag_news: FlagNews = FlagNews.TOLD,
) -> list[bytes]:
    """Untagged responses for everything this session has not been told yet.

    With CONDSTORE on, flag changes carry MODSEQ; with QRESYNC, UID too, and
    expunges go as VANISHED (RFC 7162 §3.1.2, §3.2.10; hato.imap.condstore).
    ``flag_news`` says how other sessions' flag changes are told (``FlagNews``).
    """
    changes = None
    if view.subscription.changed.is_set():
        view.subscription.changed.clear()
        changes = await view.changes_since(mailstore)  # the shared index asks the store
        view.pending_expunge.update(uid for uid in changes.expunged if view.has(uid))
    lines = keyword_lines(view)  # another session's STORE may have added one
    if expunges and view.pending_expunge:
        lines += expunge_lines(view, view.pending_expunge, qresync)
    if changes is not None:
        lines += await _apply(mailstore, view, changes, condstore, qresync, flag_news)
    return lines


async def _apply(
    mailstore: Mailstore,
    view: MailboxView,
    changes: MailboxChanges,
    modseq: bool,
    uid: bool,
    flag_news: FlagNews,
) -> list[bytes]:
    last = view.uids[-1] if view.uids else 0
    fresh = [s for s in changes.changed if s.uid > last]
    lines: list[bytes] = []
    for changed in view.told(s.uid for s in changes.changed if s.uid <= last):
        if flag_news is not FlagNews.UNTOLD and changed not in view.pending_expunge:
            with_uid = uid or flag_news is FlagNews.WITH_UID
            lines.append(flags_fetch(view, changed, with_uid=with_uid, modseq=modseq))
    if fresh:
        newest = fresh[-1].uid
        claims = view.keeps_recent and not view.read_only
        first_recent = await view.index.recent_for(mailstore, newest) if claims else 0
        # the claim was a write: meanwhile another session's catch-up may have taken out
        # a new message, and with no view numbering it yet, kept nothing of it; the view
        # takes only what the index still knows (its summary, or its ghost)
        fresh = [s for s in fresh if view.index.summary(s.uid) is not None]
        if view.add(fresh, first_recent):
            lines += count_lines(view)
    return lines
