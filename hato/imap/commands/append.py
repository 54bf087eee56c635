"""APPEND (RFC 3501 §6.3.11) with MULTIAPPEND (RFC 3502), APPENDUID (RFC 4315 §3),
APPENDLIMIT (RFC 7889) and CATENATE (RFC 4469, ``hato.imap.catenate``).

Each message is parsed once, in a worker thread, into the structure and
columns delivery would have stored; APPEND's OK goes out only once the store
has committed it (the durability invariant of docs/architecture.md).  A MULTIAPPEND is
one transaction: "If the server is unable to append all of the messages, then no
messages are appended" (RFC 3502 §6.3.11).  The client's date-time keeps its zone
(RFC 3501 §2.3.3), which FETCH INTERNALDATE answers in.  The reader already refused any
literal over the limit with `NO [TOOBIG]` before the client sent it, and kept a large one
on disk while it arrived; the messages are loaded, parsed and stored under the server's
APPEND budget (hato.session.budget), so many large APPENDs at once wait their turn rather
than all sit in memory together.  A message sent as a literal8 (BINARY, RFC 3516 §4.3)
has its binary parts stored as base64 (hato.mime.without_binary_parts).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from hato.imap.catenate import joined
from hato.imap.condstore import expunge_lines
from hato.imap.reply import Reply, bad, no
from hato.imap.view import MailboxView
from hato.mime import without_binary_parts
from hato.proto import imap as c
from hato.proto.imap import format_sequence, untagged_status
from hato.session.budget import PARSED
from hato.store import MessageMeta, NewMessage
from hato.store.meta import message_meta

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []


def _check(session: ImapSession, message: c.AppendMessage) -> None:
    if not message.data:
        raise no("Can't save a zero byte message.")
    if len(message.data) > session.context.max_literal:
        raise no("Message too large.", "TOOBIG")


def _loaded(message: c.AppendMessage) -> tuple[bytes, MessageMeta]:
    data = message.data
    content = data if isinstance(data, bytes) else data.read()
    if message.binary:
        content = without_binary_parts(content)
    return content, message_meta(content)


async def _new_message(message: c.AppendMessage) -> NewMessage:
    content, meta = await asyncio.to_thread(_loaded, message)
    when, zone = time.time(), 0
    if message.date_time is not None:
        when = message.date_time.timestamp()
        offset = message.date_time.utcoffset()
        zone = 0 if offset is None else int(offset.total_seconds()) // 60
    return NewMessage(content, meta, int(when), frozenset(message.flags), zone)


async def _appended(session: ImapSession, name: str, messages: tuple[c.AppendMessage, ...]) -> str:
    """Store ``messages`` in ``name`` in one transaction; the APPENDUID code (RFC 4315 §3)."""
    mailbox = await session.mailstore.get_mailbox(name)
    if mailbox is None:  # before any CATENATE URL is looked at: TRYCREATE says more
        raise no(f"Mailbox doesn't exist: {name}", "TRYCREATE")
    messages = tuple([await joined(session, message) for message in messages])
    for message in messages:
        _check(session, message)
    size = sum(len(message.data) for message in messages)
    async with session.context.append_budget.hold(size * PARSED):
        new = [await _new_message(message) for message in messages]
        stored = await session.mailstore.append_many(mailbox.name, new)
    uids = [message.uid for message in stored]
    return f"APPENDUID {mailbox.uidvalidity} {format_sequence(uids)}"


async def append(session: ImapSession, cmd: c.Append) -> Reply:
    return Reply("Append completed.", code=await _appended(session, cmd.mailbox, cmd.messages))


async def replace(session: ImapSession, cmd: c.Replace) -> Reply:
    """REPLACE (RFC 8508 §3): the new message is appended first (its APPENDUID in an
    untagged OK), and only once it is stored is the original expunged, so a failed
    append leaves the original as it was.  A sequence number past the mailbox is BAD
    (RFC 3501 §9's seq-number), a UID that names no message NO; a read-only mailbox
    keeps its message (NO [READ-ONLY])."""
    view = session.require_view()
    uid = _replaced_uid(view, cmd)
    if view.read_only:
        raise no("Mailbox is read-only.", "READ-ONLY")
    code = await _appended(session, cmd.mailbox, (cmd.message,))
    session.send(untagged_status("OK", "Replacement Message ID", code))
    gone = await session.mailstore.expunge(view.id, [uid])
    for line in expunge_lines(view, gone, session.qresync):
        session.send(line)
    return Reply("Replace completed.")


def _replaced_uid(view: MailboxView, cmd: c.Replace) -> int:
    if not view.uids:
        raise no("No messages.") if cmd.uid else bad("Invalid messageset")
    if cmd.number is None:  # "*": the last message
        return view.uids[-1]
    if cmd.uid:
        if not view.has(cmd.number):
            raise no("Message doesn't exist.")
        return cmd.number
    if cmd.number > len(view.uids):
        raise bad("Invalid messageset")
    return view.uids[cmd.number - 1]
