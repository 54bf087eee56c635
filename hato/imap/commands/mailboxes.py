"""Mailbox commands (RFC 3501 §6.3.3-§6.3.7, §6.3.10): CREATE (with USE, RFC 6154),
DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, STATUS (SIZE of RFC 8438, APPENDLIMIT
of RFC 7889)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap import names
from hato.imap.condstore import enable_condstore
from hato.imap.names import check_name, parents
from hato.imap.objectid import mailbox_id
from hato.imap.reply import ImapError, Reply, no
from hato.proto import imap as c
from hato.proto.imap import Atom, Outcome, Value, resp_code, untagged
from hato.store import INBOX, Mailbox, MailboxExists, Mailstore, NoSuchMailbox

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["status_values"]

_EXISTS = "Mailbox already exists"
_STATUS_ORDER = (
    "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ", "SIZE",
    "DELETED", "DELETED-STORAGE", "APPENDLIMIT", "MAILBOXID",
)  # fmt: skip


async def _create_parents(mailstore: Mailstore, name: str, adding: int) -> None:
    """RFC 3501 §6.3.3: superior names are created as needed, within the
    account's limit on mailboxes (with the ``adding`` the caller creates)."""
    existing = {mailbox.name for mailbox in await mailstore.list_mailboxes()}
    missing = [p for p in parents(name) if p not in existing and p.upper() != INBOX]
    if len(existing) + len(missing) + adding > names.MAX_MAILBOXES:
        raise _too_many()
    for parent in missing:
        await mailstore.create_mailbox(parent)


def _too_many() -> ImapError:
    """RFC 5530 §3: LIMIT, an implementation limit was reached."""
    return no(f"Too many mailboxes (at most {names.MAX_MAILBOXES}).", "LIMIT")


async def create(session: ImapSession, cmd: c.Create) -> Reply:
    name = check_name(cmd.mailbox)
    if name == INBOX:
        raise no(_EXISTS, "ALREADYEXISTS")
    uses = [use for use in cmd.special_use]
    if len(uses) > 1:
        raise no("Only one special-use flag per mailbox.", "USEATTR")
    await _create_parents(session.mailstore, name, adding=1)
    try:
        made = await session.mailstore.create_mailbox(name, uses[0] if uses else None)
    except MailboxExists:
        raise no(_EXISTS, "ALREADYEXISTS") from None
    if "OBJECTID" not in session.context.commands.capabilities:
        return Reply("Create completed.")
    code = resp_code("MAILBOXID", [Atom(mailbox_id(made.id, made.uidvalidity))])
    return Reply("Create completed.", code=code)  # RFC 8474 §4.1


async def delete(session: ImapSession, cmd: c.Delete) -> Reply:
    """RFC 3501 §6.3.4; like Dovecot, a mailbox with children is refused."""
    if cmd.mailbox == INBOX:
        raise no("INBOX can't be deleted.")
    prefix = cmd.mailbox + "."
    names = [mailbox.name for mailbox in await session.mailstore.list_mailboxes()]
    if cmd.mailbox not in names:
        raise NoSuchMailbox(cmd.mailbox)
    if any(name.startswith(prefix) for name in names):
        raise no("Mailbox has children, delete them first")
    await session.mailstore.delete_mailbox(cmd.mailbox)
    if session.view is not None and session.view.name == cmd.mailbox:
        return Reply("Delete completed.", outcome=Outcome.DESELECTED)
    return Reply("Delete completed.")


async def rename(session: ImapSession, cmd: c.Rename) -> Reply:
    """RFC 3501 §6.3.5: children move along; renaming INBOX moves its mail."""
    new = check_name(cmd.new_name)
    if new == cmd.mailbox or (new.startswith(cmd.mailbox + ".") and cmd.mailbox != INBOX):
        raise no("Can't rename mailbox under itself.")
    if new == INBOX:
        raise no(_EXISTS, "ALREADYEXISTS")
    if await session.mailstore.get_mailbox(cmd.mailbox) is None:
        raise NoSuchMailbox(cmd.mailbox)
    await _create_parents(session.mailstore, new, adding=0)
    try:
        await session.mailstore.rename_mailbox(cmd.mailbox, new)
    except MailboxExists:
        raise no(_EXISTS, "ALREADYEXISTS") from None
    return Reply("Rename completed.")


async def subscribe(session: ImapSession, cmd: c.Subscribe) -> Reply:
    """RFC 3501 §6.3.6; subscriptions outlive their mailbox, so they are bounded too."""
    subscribed = await session.mailstore.subscriptions()
    if len(subscribed) >= names.MAX_MAILBOXES and cmd.mailbox not in subscribed:
        raise _too_many()
    await session.mailstore.set_subscribed(cmd.mailbox, True)
    return Reply("Subscribe completed.")


async def unsubscribe(session: ImapSession, cmd: c.Unsubscribe) -> Reply:
    await session.mailstore.set_subscribed(cmd.mailbox, False)
    return Reply("Unsubscribe completed.")


def _recent(mailbox: Mailbox) -> int:
    """Messages no session has seen as \\Recent yet (at most the mailbox's count)."""
    return max(0, min(mailbox.messages, mailbox.uidnext - mailbox.first_recent_uid))


async def status_values(
    session: ImapSession, mailbox: Mailbox, items: tuple[str, ...]
) -> list[Value]:
    """The att/value list of a STATUS response (RFC 3501 §7.2.4), Dovecot's order."""
    values: dict[str, Value] = {
        "MESSAGES": mailbox.messages, "RECENT": _recent(mailbox),
        "UIDNEXT": mailbox.uidnext, "UIDVALIDITY": mailbox.uidvalidity,
        "UNSEEN": mailbox.unseen, "HIGHESTMODSEQ": mailbox.highestmodseq,
        "SIZE": mailbox.size, "APPENDLIMIT": session.context.max_literal,
        "MAILBOXID": [Atom(mailbox_id(mailbox.id, mailbox.uidvalidity))],  # RFC 8474 §4.3
    }  # fmt: skip
    if "DELETED" in items or "DELETED-STORAGE" in items:
        summaries = await session.mailstore.messages(mailbox.id)
        deleted = [s for s in summaries if "\\Deleted" in s.flags]
        values["DELETED"] = len(deleted)
        # RFC 9208 §4.2.2, §5.1: a server with the STORAGE resource answers this one
        # too; the sum of the \Deleted messages' RFC822.SIZE, in octets
        values["DELETED-STORAGE"] = sum(s.size for s in deleted)
    out: list[Value] = []
    for item in _STATUS_ORDER:
        if item in items:
            out += [Atom(item), values[item]]
    return out


async def status(session: ImapSession, cmd: c.Status) -> Reply:
    mailbox = await session.mailstore.get_mailbox(cmd.mailbox)
    if mailbox is None:
        raise NoSuchMailbox(cmd.mailbox)
    if "HIGHESTMODSEQ" in cmd.items:  # a CONDSTORE-enabling command (RFC 7162 §3.1)
        enable_condstore(session)
    values = await status_values(session, mailbox, cmd.items)
    name = session.mailbox_value(mailbox.name, quoted=False)
    session.send(untagged(Atom("STATUS"), name, values))
    if session.view is not None and session.view.id == mailbox.id:
        return Reply("Status on selected mailbox completed.", code="CLIENTBUG")
    return Reply("Status completed.")
