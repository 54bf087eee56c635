"""QUOTA (RFC 9208, with RFC 2087's commands): GETQUOTA, GETQUOTAROOT, SETQUOTA.

Every account has one quota root, over all its mailboxes, named as Dovecot names
its user root.  Its resources are those with a limit in force (``hato user quota``,
or ``[quota]``'s default): STORAGE in units of 1024 octets (RFC 9208 §5.1) and
MESSAGE (§5.2).  An account without limits has no root (a quota-list may not be
empty, RFC 9208 §7).  Limits are the administrator's: SETQUOTA is refused and
QUOTASET is not advertised (§4.1.3).  What adding mail past a limit gets, NO
[OVERQUOTA] (RFC 5530 §3), is the dispatcher's answer to the store's OverQuota.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.reply import Reply, no
from hato.proto import imap as c
from hato.proto.imap import Atom, Value, untagged
from hato.store import QuotaState

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["ROOT"]

#: The account's quota root (Dovecot's name for it).
ROOT = "User quota"
_KIB = 1024


def _resources(state: QuotaState) -> list[Value]:
    """quota-resource = resource-name SP resource-usage SP resource-limit (RFC 9208 §7)."""
    resources: list[Value] = []
    if state.limits.storage is not None:
        resources += [Atom("STORAGE"), state.storage // _KIB, state.limits.storage // _KIB]
    if state.limits.messages is not None:
        resources += [Atom("MESSAGE"), state.messages, state.limits.messages]
    return resources


async def getquota(session: ImapSession, cmd: c.GetQuota) -> Reply:
    """RFC 9208 §4.1.1: the root's resources, usage and limits."""
    resources = _resources(await session.mailstore.quota())
    if cmd.root != ROOT or not resources:
        raise no("Quota root does not exist.", "NONEXISTENT")
    session.send(untagged(Atom("QUOTA"), ROOT, resources))
    return Reply("Getquota completed.")


async def getquotaroot(session: ImapSession, cmd: c.GetQuotaRoot) -> Reply:
    """RFC 9208 §4.1.2: the mailbox's roots (the account's, if it has limits), each with
    its QUOTA response.  The mailbox need not exist (the RFC: a client may ask which
    root a mailbox it is about to create would fall under)."""
    resources = _resources(await session.mailstore.quota())
    roots = [ROOT] if resources else []
    name = session.mailbox_value(cmd.mailbox, quoted=False)
    session.send(untagged(Atom("QUOTAROOT"), name, *roots))
    if resources:
        session.send(untagged(Atom("QUOTA"), ROOT, resources))
    return Reply("Getquotaroot completed.")


async def setquota(session: ImapSession, cmd: c.SetQuota) -> Reply:
    """RFC 9208 §4.1.3: a server may refuse; limits change with ``hato user quota``."""
    raise no("Quota limits are set by the administrator (hato user quota).", "NOPERM")
