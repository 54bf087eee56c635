"""Moving mail in from another server without its clients noticing: its UIDs kept.

A client that synced against the old server knows each mailbox's UIDVALIDITY and
its messages' UIDs (RFC 3501 §2.3.1.1); if either changes, it downloads
everything again. So an import (``hato import maildir``) runs three operations:

- ``import_mailbox``: the mailbox under the old server's UIDVALIDITY. A new
  mailbox is made with it. An existing one keeps its own if they are the same
  (a second run), takes the given one if it never held a message (UIDNEXT 1: no
  client can know a UID of it; the usual case is the standard mailboxes of an
  account just imported), and otherwise refuses with ``UidValidityConflict``.
- ``import_with_uids``: each message at its UID, in ascending order, UIDNEXT
  moving past it. A UID below UIDNEXT is never given again (the UID invariant of
  docs/architecture.md): if that UID holds the same bytes the message is
  ``present`` (an earlier run: nothing is changed, flags included), otherwise it
  is ``refused`` with the reason.
- ``raise_uidnext``: UIDNEXT up to the old server's, so that the UIDs it had
  given to messages since expunged are not given again either.

Each runs in one transaction holding the mailbox's row, as every other write,
so sessions on any node see the messages arrive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from hato.store.base import KeptUidMessage, Mailbox, UidsKept, UidValidityConflict
from hato.store.sql.blobs import put_blobs
from hato.store.sql.mailboxes import (
    insert_mailbox,
    lock_mailbox,
    require_mailbox,
    select_mailbox,
    subscribe,
)
from hato.store.sql.messages import NewRow, insert_messages, rows_among
from hato.store.sql.tx import Tx

__all__ = ["import_mailbox", "import_with_uids", "raise_uidnext"]

_HELD = (
    "SELECT m.uid, m.prefix, b.sha256 FROM messages m JOIN blobs b ON b.id = m.blob_id "
    "WHERE m.mailbox_id = ? AND {uids}"
)


async def import_mailbox(
    tx: Tx,
    account_id: int,
    name: str,
    uidvalidity: int,
    special_use: str | None,
    subscribed: bool,
    now: int,
) -> Mailbox:
    """The mailbox ``name`` under ``uidvalidity``, made or taken over (see the module)."""
    mailbox = await select_mailbox(tx, account_id, name)
    if mailbox is None:
        mailbox = await insert_mailbox(tx, account_id, name, special_use, subscribed, now)
    if mailbox.uidvalidity != uidvalidity:
        if mailbox.uidnext != 1:
            raise UidValidityConflict(mailbox.name, mailbox.uidvalidity, uidvalidity)
        await lock_mailbox(tx, account_id, mailbox.id)
        await tx.run("UPDATE mailboxes SET uidvalidity = ? WHERE id = ?", (uidvalidity, mailbox.id))
        tx.touch(mailbox.id)
    # A mailbox made later by this account still gets a value above every one it had.
    await tx.run(
        f"UPDATE accounts SET last_uidvalidity = {tx.dialect.greatest}(last_uidvalidity, ?) "
        "WHERE id = ?",
        (uidvalidity, account_id),
    )
    if special_use and mailbox.special_use is None:
        await tx.run("UPDATE mailboxes SET special_use = ? WHERE id = ?", (special_use, mailbox.id))
    if subscribed:
        await subscribe(tx, account_id, mailbox.name)
    return await require_mailbox(tx, account_id, mailbox.name)


async def import_with_uids(
    tx: Tx, account_id: int, mailbox_id: int, messages: Sequence[KeptUidMessage]
) -> UidsKept:
    """Each message at its UID unless that UID is below UIDNEXT (see the module)."""
    await lock_mailbox(tx, account_id, mailbox_id)
    row = await tx.one("SELECT uidnext FROM mailboxes WHERE id = ?", (mailbox_id,))
    assert row is not None
    uidnext = first = int(row[0])
    ordered = sorted(messages, key=lambda kept: kept.uid)
    held = await _held(tx, mailbox_id, [kept.uid for kept in ordered if kept.uid < uidnext])
    done = UidsKept()
    chosen: list[KeptUidMessage] = []
    for kept in ordered:
        if kept.uid < uidnext:
            _classify(kept, held.get(kept.uid), first, done)
            continue
        chosen.append(kept)
        uidnext = kept.uid + 1
    if not chosen:  # a second run: everything present or refused, nothing to write
        return done
    blob_ids = await put_blobs(tx, [(kept.message.content, kept.message.meta) for kept in chosen])
    rows = [
        NewRow(blob_id, b"", len(new.content), new.flags, new.internal_date)
        for blob_id, new in zip(blob_ids, (kept.message for kept in chosen), strict=True)
    ]
    target = await _mailbox_by_id(tx, account_id, mailbox_id)
    await insert_messages(tx, account_id, target, rows, [kept.uid for kept in chosen])
    done.imported += [kept.uid for kept in chosen]
    return done


async def _held(tx: Tx, mailbox_id: int, uids: list[int]) -> dict[int, bytes]:
    """uid -> SHA-256 of the message there (empty for one with its own trace prefix, which
    an import never writes)."""
    rows = await rows_among(tx, _HELD, mailbox_id, uids)
    return {int(uid): b"" if bytes(prefix) else bytes(digest) for uid, prefix, digest in rows}


def _classify(kept: KeptUidMessage, digest: bytes | None, uidnext: int, done: UidsKept) -> None:
    """A message whose UID is below ``uidnext``, the mailbox's UIDNEXT before this batch."""
    if kept.uid >= uidnext or done.present[-1:] == [kept.uid]:
        done.refused.append((kept.uid, f"UID {kept.uid} given twice"))
    elif digest == hashlib.sha256(kept.message.content).digest():
        done.present.append(kept.uid)
    elif digest is None:
        reason = f"UID {kept.uid} was used before in this mailbox (UIDNEXT is {uidnext})"
        done.refused.append((kept.uid, reason))
    else:
        done.refused.append((kept.uid, f"UID {kept.uid} holds another message"))


async def _mailbox_by_id(tx: Tx, account_id: int, mailbox_id: int) -> Mailbox:
    row = await tx.one(
        "SELECT name FROM mailboxes WHERE id = ? AND account_id = ?", (mailbox_id, account_id)
    )
    assert row is not None  # lock_mailbox found it
    return await require_mailbox(tx, account_id, str(row[0]))


async def raise_uidnext(tx: Tx, account_id: int, mailbox_id: int, uidnext: int) -> None:
    """UIDNEXT becomes ``uidnext`` if that is higher; it never goes down."""
    await lock_mailbox(tx, account_id, mailbox_id)
    await tx.run(
        f"UPDATE mailboxes SET uidnext = {tx.dialect.greatest}(uidnext, ?) WHERE id = ?",
        (uidnext, mailbox_id),
    )
    tx.touch(mailbox_id)
