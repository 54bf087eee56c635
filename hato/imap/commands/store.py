"""STORE (RFC 3501 §6.4.6), COPY (§6.4.7) with COPYUID (RFC 4315 §3), MOVE (RFC 6851).

STORE answers with the new flags of every message named (unless .SILENT),
with UID first for UID STORE; a keyword new to the mailbox is announced
with FLAGS/PERMANENTFLAGS first.  MOVE sends its COPYUID in an untagged OK
before the EXPUNGEs (RFC 6851 §4.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.registry import command
from hato.imap.reply import Reply, no
from hato.imap.updates import flags_lines
from hato.imap.view import MailboxView
from hato.proto import imap as c
from hato.proto.imap import (
    Raw,
    Value,
    encode_flags,
    fetch_response,
    format_sequence,
    untagged_status,
)
from hato.store import FlagMode, Mailbox

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []

_MODES = {"replace": FlagMode.REPLACE, "add": FlagMode.ADD, "remove": FlagMode.REMOVE}


def _writable(view: MailboxView) -> None:
    if view.read_only:
        raise no("Mailbox is read-only.", "READ-ONLY")


@command(c.Store, expunges=False)
async def store(session: ImapSession, cmd: c.Store) -> Reply:
    view = session.require_view()
    _writable(view)
    targets = view.resolve(cmd.sequence_set, cmd.uid)
    uids = [uid for _, uid in targets if uid not in view.pending_expunge]
    if uids:
        mode = _MODES[cmd.mode]
        changed = await session.mailstore.store_flags(view.id, uids, cmd.flags, mode)
        view.update(changed)
    if cmd.mode != "remove" and view.new_keywords(cmd.flags):
        for line in flags_lines(view):
            session.send(line)
    if not cmd.silent:
        for seq, uid in targets:
            items: list[tuple[str, Value]] = [("UID", uid)] if cmd.uid else []
            items.append(("FLAGS", Raw(encode_flags(view.flags(uid)))))
            session.send(fetch_response(seq, items))
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


@command(c.Copy)
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


@command(c.Move)
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
    for seq in view.remove(source for source, _ in pairs):
        session.send(b"* %d EXPUNGE\r\n" % seq)
    return Reply("Move completed.")
