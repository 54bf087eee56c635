"""``hato import mbox``: an mbox file into one mailbox, in batches, idempotently.

Messages are appended ``BATCH`` at a time (one transaction each, so a session
sees them arrive and an interrupted import keeps what it committed), each batch
written while the next is read (``WriteBehind``). A message whose SHA-256 is
already in the mailbox is skipped: running the import again, or after an
interruption, adds nothing twice. The full-text index follows, as it does for the
Maildir import (maildir_import.py). Memory is two batches of messages and one
32-byte digest per message in the mailbox.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hato.migrate.mbox import MboxMessage
from hato.migrate.problems import LineProblem
from hato.migrate.write_behind import WriteBehind
from hato.store.base import Mailstore, NewMessage
from hato.store.meta import message_meta

__all__ = ["BATCH", "MboxImport", "import_mbox"]

BATCH = 200
_READ_BATCH = 200


@dataclass(slots=True)
class MboxImport:
    imported: int = 0
    present: int = 0
    problems: list[LineProblem] = field(default_factory=list)


async def import_mbox(
    mailstore: Mailstore,
    mailbox: str,
    outcomes: Iterable[MboxMessage | LineProblem],
    progress: Callable[[MboxImport], None],
) -> MboxImport:
    """Append each message unless the mailbox holds it already; report the rest."""
    seen = await _digests(mailstore, mailbox)
    result, batch = MboxImport(), list[NewMessage]()
    async with WriteBehind() as writes:
        for outcome in outcomes:
            if isinstance(outcome, LineProblem):
                result.problems.append(outcome)
                continue
            digest = hashlib.sha256(outcome.content).digest()
            if digest in seen:  # known: not parsed at all (a second run is quick)
                result.present += 1
                continue
            seen.add(digest)
            batch.append(_new_message(outcome))
            if len(batch) >= BATCH:
                await writes.start(_commit(mailstore, mailbox, batch, result, progress))
                batch = []
        await writes.start(_commit(mailstore, mailbox, batch, result, progress))
    return result


def _new_message(message: MboxMessage) -> NewMessage:
    when = message.internal_date if message.internal_date is not None else int(time.time())
    meta = message_meta(message.content, index=False)
    return NewMessage(message.content, meta, when, message.flags)


async def _commit(
    mailstore: Mailstore,
    mailbox: str,
    batch: list[NewMessage],
    result: MboxImport,
    progress: Callable[[MboxImport], None],
) -> None:
    if batch:
        await mailstore.append_many(mailbox, batch)
        result.imported += len(batch)
    progress(result)


async def _digests(mailstore: Mailstore, name: str) -> set[bytes]:
    """The SHA-256 of every message already in the mailbox, read a batch at a time."""
    mailbox = await mailstore.get_mailbox(name)
    assert mailbox is not None
    uids = [summary.uid for summary in await mailstore.messages(mailbox.id)]
    found: set[bytes] = set()
    for start in range(0, len(uids), _READ_BATCH):
        bodies = await mailstore.read_messages(mailbox.id, uids[start : start + _READ_BATCH])
        found.update(hashlib.sha256(body).digest() for body in bodies.values())
    return found
