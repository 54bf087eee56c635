"""``hato import maildir``: a Dovecot Maildir into one account, its UIDs kept.

Each folder (see maildir.py for how one is read) becomes the mailbox of the
same name under the folder's UIDVALIDITY (``Mailstore.import_mailbox``), its
messages go in at their UIDs ``BATCH`` at a time or ``BATCH_BYTES`` at most,
one transaction each (``import_with_uids``: an interrupted import keeps what it
committed, and sessions see mail arrive), then UIDNEXT is raised to the
folder's. A second run finds every committed UID holding the same bytes and
changes nothing (flags included); a UID hato has given to another message since,
or a mailbox that holds mail under another UIDVALIDITY, is reported and left.

A folder without a ``dovecot-uidlist`` (a Maildir no Dovecot has served) has no
UIDs to keep: its messages are appended as ``hato import mbox`` appends, new
UIDs and a message already there (same bytes) skipped.

Each message is parsed once for what the store keeps of it (structure, header
columns, snippet) but not for its full-text index: as delivery does, the import
leaves the index to the server's indexer (``hato.server.indexer``: at once if a
server runs, else when one starts; or ``hato index rebuild``), which halves the
import's work; until then SEARCH BODY reads those messages unindexed, with the same
answers. A batch is committed while the next is read (``WriteBehind``).

Memory is one folder's file names and two batches of messages.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hato.migrate.maildir import (
    DEFAULT_SPECIAL_USE,
    MaildirFile,
    MaildirFolder,
    MaildirMessage,
    find_folders,
    folder_files,
    read_keywords,
    read_message,
    read_subscriptions,
    read_uidlist,
)
from hato.migrate.mbox import MboxMessage
from hato.migrate.mbox_import import MboxImport, import_mbox
from hato.migrate.problems import Problem
from hato.migrate.write_behind import WriteBehind
from hato.store.base import (
    KeptUidMessage,
    Mailbox,
    Mailstore,
    MessageMeta,
    NewMessage,
    UidValidityConflict,
)
from hato.store.meta import message_meta

__all__ = ["BATCH", "BATCH_BYTES", "MaildirImport", "import_maildir", "maildir_totals"]

BATCH = 200
BATCH_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class MaildirImport:
    folders: int = 0
    imported: int = 0
    present: int = 0
    new_uids: int = 0  # files no dovecot-uidlist named: given the next free UIDs
    gone: int = 0  # uidlist entries without a file (expunged in Dovecot)
    done: int = 0  # files handled, whatever the outcome
    bytes_read: int = 0  # of the files, as maildir_totals counts them
    problems: list[Problem] = field(default_factory=list)


Progress = Callable[[MaildirImport], None]


def maildir_totals(root: Path) -> tuple[int, int]:
    """How many message files and bytes the Maildir holds (for the progress line)."""
    files = size = 0
    for folder in find_folders(root, []):
        for sub in ("cur", "new"):
            try:
                entries = list(os.scandir(folder.path / sub))
            except OSError:
                continue
            for entry in entries:
                if entry.is_file() and not entry.name.startswith("."):
                    files += 1
                    size += entry.stat().st_size
    return files, size


async def import_maildir(
    mailstore: Mailstore, root: Path, max_size: int, progress: Progress
) -> MaildirImport:
    """Every folder of the Maildir at ``root`` into the account of ``mailstore``."""
    result = MaildirImport()
    folders = find_folders(root, result.problems)
    subscribed = set(read_subscriptions(root, result.problems))
    for folder in folders:
        await _import_folder(
            mailstore, folder, folder.name in subscribed, max_size, result, progress
        )
        result.folders += 1
    return result


async def _import_folder(
    mailstore: Mailstore,
    folder: MaildirFolder,
    subscribed: bool,
    max_size: int,
    result: MaildirImport,
    progress: Progress,
) -> None:
    uidlist, entries = read_uidlist(folder.path, result.problems)
    keywords = read_keywords(folder.path, result.problems)
    files, found = folder_files(folder, uidlist, entries)
    result.problems.extend(found.problems)
    result.gone += found.gone
    special_use = DEFAULT_SPECIAL_USE.get(folder.name)
    readable = _readable(files, keywords, max_size, result)
    if uidlist is None:
        await _append_folder(mailstore, folder.name, subscribed, readable, result, progress)
        return
    try:
        mailbox = await mailstore.import_mailbox(
            folder.name, uidlist.uidvalidity, special_use, subscribed
        )
    except UidValidityConflict as conflict:
        result.problems.append(Problem(str(folder.path), f"{conflict}; folder skipped"))
        return
    result.new_uids += sum(not file.listed for file in files)
    async with WriteBehind() as writes:
        batch = _Batch(mailstore, mailbox, result, progress, writes)
        for file, message in readable:
            # A UID below UIDNEXT is never inserted (present or refused): no need to parse it.
            meta = (
                message_meta(message.content, index=False)
                if file.uid >= mailbox.uidnext
                else MessageMeta()
            )
            new = NewMessage(message.content, meta, message.internal_date, message.flags)
            await batch.add(file, KeptUidMessage(file.uid, new))
        await batch.commit()
    await mailstore.raise_uidnext(mailbox.id, found.uidnext)


class _Batch:
    """Messages waiting for their transaction, with the file each came from."""

    def __init__(
        self,
        mailstore: Mailstore,
        mailbox: Mailbox,
        result: MaildirImport,
        progress: Progress,
        writes: WriteBehind,
    ) -> None:
        self.mailstore, self.mailbox, self.result, self.progress, self.writes = (
            mailstore, mailbox, result, progress, writes,
        )  # fmt: skip
        self.messages: list[KeptUidMessage] = []
        self.paths: dict[int, Path] = {}
        self.size = 0

    async def add(self, file: MaildirFile, message: KeptUidMessage) -> None:
        self.messages.append(message)
        self.paths.setdefault(file.uid, file.path)
        self.size += len(message.message.content)
        if len(self.messages) >= BATCH or self.size >= BATCH_BYTES:
            await self.commit()

    async def commit(self) -> None:
        """The batch goes to the store, written while the next one fills."""
        messages, paths = self.messages, self.paths
        self.messages, self.paths, self.size = [], {}, 0
        await self.writes.start(self._write(messages, paths))

    async def _write(self, messages: list[KeptUidMessage], paths: dict[int, Path]) -> None:
        if messages:
            done = await self.mailstore.import_with_uids(self.mailbox.id, messages)
            self.result.imported += len(done.imported)
            self.result.present += len(done.present)
            for uid, reason in done.refused:
                self.result.problems.append(Problem(str(paths[uid]), f"{reason}, skipped"))
        self.progress(self.result)


def _readable(
    files: list[MaildirFile], keywords: dict[str, str], max_size: int, result: MaildirImport
) -> Iterator[tuple[MaildirFile, MaildirMessage]]:
    """Each file's message, read as it is needed; a file that cannot be is reported."""
    for file in files:
        message = read_message(file, keywords, max_size)
        result.done += 1
        if isinstance(message, Problem):
            result.problems.append(message)
            continue
        result.bytes_read += message.file_size
        yield file, message


async def _append_folder(
    mailstore: Mailstore,
    name: str,
    subscribed: bool,
    readable: Iterator[tuple[MaildirFile, MaildirMessage]],
    result: MaildirImport,
    progress: Progress,
) -> None:
    """A folder without UIDs to keep: appended with new UIDs, known bytes skipped."""
    if await mailstore.get_mailbox(name) is None:
        await mailstore.create_mailbox(name, DEFAULT_SPECIAL_USE.get(name), subscribed)
    as_mbox = (
        MboxMessage(0, message.content, message.flags, message.internal_date)
        for _, message in readable
    )
    before = result.imported, result.present

    def shown(done: MboxImport) -> None:
        result.imported, result.present = before[0] + done.imported, before[1] + done.present
        progress(result)

    await import_mbox(mailstore, name, as_mbox, shown)
