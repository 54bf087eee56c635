"""METADATA (RFC 5464): GETMETADATA and SETMETADATA, annotations of the server and mailboxes.

The server's annotations (mailbox name "") and each mailbox's are the account's own
(``Mailstore.metadata``); with no shared mailboxes, ``/shared`` entries of a mailbox are
seen by its owner only, as ``/private`` ones are. The server's ``/shared`` entries are
the administrator's: SETMETADATA on them is ``NO [NOPERM]`` (RFC 5530 §3).

Limits (§4.3): a value of at most ``MAX_VALUE`` octets (``[METADATA MAXSIZE n]``), at
most ``MAX_ANNOTATIONS`` annotations per account (``[METADATA TOOMANY]``). GETMETADATA
answers one METADATA response (§4.4); an entry asked for that has no value is NIL (as
Dovecot answers it); with DEPTH 1 or infinity its existing children follow (§4.2.2);
values over MAXSIZE are left out and the tagged OK says how long the longest was
(``[METADATA LONGENTRIES n]``, §4.2.1). A value holding NUL goes as a literal8 (§5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.reply import Reply, no
from hato.proto import imap as c
from hato.proto.imap import Atom, Literal, Value, untagged
from hato.store import MetadataTooMany, NoSuchMailbox

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["MAX_ANNOTATIONS", "MAX_VALUE", "getmetadata", "setmetadata"]

MAX_VALUE = 64 * 1024
MAX_ANNOTATIONS = 100
SERVER = ""  # the mailbox name that means the server (§3.1)


async def _mailbox_id(session: ImapSession, name: str) -> int | None:
    """None for the server, else the id of the account's mailbox ``name``."""
    if name == SERVER:
        return None
    mailbox = await session.mailstore.get_mailbox(name)
    if mailbox is None:
        raise NoSuchMailbox(name)
    return mailbox.id


def _below(entry: str, name: str, depth: int | None) -> bool:
    """Whether ``name`` is a child (DEPTH 1) or a descendant (infinity) of ``entry``."""
    if not name.startswith(entry + "/"):
        return False
    return depth is None or "/" not in name[len(entry) + 1 :]


def _answered(cmd: c.GetMetadata, held: dict[str, bytes]) -> list[tuple[str, bytes | None]]:
    found: list[tuple[str, bytes | None]] = []
    for entry in cmd.entries:
        if cmd.depth == 0 or entry in held:
            found.append((entry, held.get(entry)))
        if cmd.depth != 0:
            found += [(name, held[name]) for name in sorted(held) if _below(entry, name, cmd.depth)]
    return list(dict.fromkeys(found))


async def getmetadata(session: ImapSession, cmd: c.GetMetadata) -> Reply:
    held = await session.mailstore.metadata(await _mailbox_id(session, cmd.mailbox))
    values: list[Value] = []
    longest = 0
    for name, value in _answered(cmd, held):
        if value is not None and cmd.maxsize is not None and len(value) > cmd.maxsize:
            longest = max(longest, len(value))
            continue
        values += [Atom(name), None if value is None else Literal(value, binary=True)]
    if values:
        session.send(untagged(Atom("METADATA"), session.mailbox_value(cmd.mailbox), values))
    code = f"METADATA LONGENTRIES {longest}" if longest else None
    return Reply("Getmetadata completed.", code=code)


async def setmetadata(session: ImapSession, cmd: c.SetMetadata) -> Reply:
    mailbox_id = await _mailbox_id(session, cmd.mailbox)
    for entry, value in cmd.values:
        if value is not None and len(value) > MAX_VALUE:
            raise no("Metadata value too long.", f"METADATA MAXSIZE {MAX_VALUE}")
        if mailbox_id is None and entry.startswith("/shared"):
            raise no("The server's shared metadata is the administrator's.", "NOPERM")
    try:
        await session.mailstore.set_metadata(mailbox_id, dict(cmd.values), MAX_ANNOTATIONS)
    except MetadataTooMany:
        raise no("Too many metadata entries.", "METADATA TOOMANY") from None
    return Reply("Setmetadata completed.")
