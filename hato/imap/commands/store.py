"""STORE (RFC 3501 §6.4.6), COPY (§6.4.7) with COPYUID (RFC 4315 §3), MOVE (RFC 6851).

STORE answers with the new flags of every message named (unless .SILENT),
with UID first for UID STORE. Every keyword it names joins the mailbox's, even
for -FLAGS, as Dovecot's STORE creates them; one the session was not told of is
announced with FLAGS/PERMANENTFLAGS first.  MOVE sends its COPYUID in an untagged OK
before the EXPUNGEs (RFC 6851 §4.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.condstore import enable_condstore, expunge_lines, flags_fetch
from hato.imap.reply import Reply, no
from hato.imap.updates import keyword_lines
from hato.imap.view import MailboxView
from hato.proto import imap as c
from hato.proto.imap import (
    format_sequence,
    untagged_status,
)
from hato.store import FlagMode, Mailbox
from hato.store.base import ConditionalStore

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []

_MODES = {"replace": FlagMode.REPLACE, "add": FlagMode.ADD, "remove": FlagMode.REMOVE}
# keywords of one mailbox: each message may carry every one, each FETCH FLAGS send them
MAX_KEYWORDS = 1000


def _writable(view: MailboxView) -> None:
    if view.read_only:
        raise no("Mailbox is read-only.", "READ-ONLY")


def _room_for_keywords(view: MailboxView, flags: tuple[str, ...]) -> None:
    """NO [LIMIT] (RFC 5530 §3) if the STORE would take the mailbox past MAX_KEYWORDS."""
    known = {keyword.lower() for keyword in view.index.keywords()}
    new = {flag.lower() for flag in flags if not flag.startswith("\\")} - known
    if new and len(known) + len(new) > MAX_KEYWORDS:
        raise no(f"Too many keywords in this mailbox (at most {MAX_KEYWORDS}).", "LIMIT")


async def _store_flags(
    session: ImapSession, view: MailboxView, cmd: c.Store, uids: list[int]
) -> ConditionalStore:
    """The flags changed; with UNCHANGEDSINCE, checked and changed in one store
    transaction, so a concurrent change is never overwritten (RFC 7162 §3.1.3)."""
    mode = _MODES[cmd.mode]
    if not uids:
        return ConditionalStore([], [])
    if cmd.unchangedsince is None:
        changed = await session.mailstore.store_flags(view.id, uids, cmd.flags, mode)
        return ConditionalStore(changed, [])
    return await session.mailstore.store_flags_unchanged_since(
        view.id, uids, cmd.flags, mode, cmd.unchangedsince
    )


def _answer(
    session: ImapSession, view: MailboxView, cmd: c.Store, uid: int, changed: bool
) -> bytes | None:
    """The FETCH for one message: FLAGS unless .SILENT; with CONDSTORE on, MODSEQ too,
    and even for .SILENT when this STORE gave it a new MODSEQ (RFC 7162 §3.1.3)."""
    if cmd.silent and not (session.condstore and changed):
        return None
    with_uid = cmd.uid or session.qresync
    return flags_fetch(view, uid, with_uid=with_uid, modseq=session.condstore, flags=not cmd.silent)


def _modified_code(cmd: c.Store, targets: list[tuple[int, int]], modified: set[int]) -> str:
    """[MODIFIED set]: UIDs for UID STORE, message numbers for STORE (RFC 7162 §3.1.3)."""
    failed = [uid if cmd.uid else seq for seq, uid in targets if uid in modified]
    return f"MODIFIED {format_sequence(failed)}"


async def store(session: ImapSession, cmd: c.Store) -> Reply:
    view = session.require_view()
    _writable(view)
    _room_for_keywords(view, cmd.flags)
    if cmd.unchangedsince is not None:
        enable_condstore(session)
    targets = view.resolve(cmd.sequence_set, cmd.uid)
    uids = [uid for _, uid in targets if uid not in view.pending_expunge]
    done = await _store_flags(session, view, cmd, uids)
    view.update(done.changed)
    view.index.create_keywords(cmd.flags)
    for line in keyword_lines(view):
        session.send(line)
    changed = {summary.uid for summary in done.changed}
    modified = set(done.modified)
    for _, uid in targets:
        answer = None if uid in modified else _answer(session, view, cmd, uid, uid in changed)
        if answer is not None:
            session.send(answer)
    if modified:
        return Reply("Conditional store failed.", code=_modified_code(cmd, targets, modified))
    return Reply("Store completed.")


async def _target(session: ImapSession, name: str) -> Mailbox:
    mailbox = await session.mailstore.get_mailbox(name)
    if mailbox is None:
        raise no(f"Mailbox doesn't exist: {name}", "TRYCREATE")
    return mailbox


def _copyuid(target: Mailbox, pairs: list[tuple[int, int]]) -> str:
    """Both sets ascend together: the store copies in source UID order."""
    sources = format_sequence(source for source, _ in pairs)
    created = format_sequence(new for _, new in pairs)
    return f"COPYUID {target.uidvalidity} {sources} {created}"


async def copy(session: ImapSession, cmd: c.Copy) -> Reply:
    view = session.require_view()
    targets = view.resolve(cmd.sequence_set, cmd.uid)
    target = await _target(session, cmd.mailbox)
    uids = [uid for _, uid in targets]
    if not uids:
        return Reply("Copy completed.")
    pairs = await session.mailstore.copy(view.id, uids, cmd.mailbox)
    if len(pairs) < len(uids):
        return Reply("Some of the requested messages no longer exist.", "NO", "EXPUNGEISSUED")
    return Reply("Copy completed.", code=_copyuid(target, pairs))


async def move(session: ImapSession, cmd: c.Move) -> Reply:
    view = session.require_view()
    _writable(view)
    targets = view.resolve(cmd.sequence_set, cmd.uid)
    target = await _target(session, cmd.mailbox)
    uids = [uid for _, uid in targets]
    if not uids:
        return Reply("Move completed.")
    pairs = await session.mailstore.move(view.id, uids, cmd.mailbox)
    if pairs:
        session.send(untagged_status("OK", "Moved UIDs.", _copyuid(target, pairs)))
    for line in expunge_lines(view, (source for source, _ in pairs), session.qresync):
        session.send(line)
    return Reply("Move completed.")
