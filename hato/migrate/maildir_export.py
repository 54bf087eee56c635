"""``hato export maildir``: an account as a Dovecot Maildir++ that shows the same UIDs.

Theory of operation (maildir.py reads the same layout back): INBOX is the
root's ``cur/``; a mailbox ``Parent.Child`` is ``.Parent.Child`` with each name
in modified UTF-7 (RFC 3501 §5.1.3), a ``maildirfolder`` file inside. Each
message is one file in ``cur/``, named
``INTERNALDATE.MuidPpid.hato,S=file size,W=RFC822.SIZE:2,FLAGS`` (the flag
letters in ASCII order, as Dovecot writes them), with LF line ends and its
INTERNALDATE as mtime. ``dovecot-uidlist`` (version 3) gives Dovecot the
mailbox's UIDVALIDITY, UIDNEXT and every UID, and ``dovecot-keywords`` the
keyword of each letter ``a``..``z``; a Maildir holds 26 keywords a folder, so
a 27th is reported and left out. ``subscriptions`` (version 2) lists the
subscribed names. A file is written in ``tmp/`` and renamed into ``cur/``.

Messages are read ``BATCH`` at a time; a name that cannot be a directory name
(a ``/`` in it) is reported and its mailbox left out.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hato.migrate.problems import Problem
from hato.proto.imap import encode_mutf7
from hato.store.base import INBOX, Mailbox, Mailstore, MessageSummary

__all__ = ["BATCH", "MaildirExport", "export_maildir"]

BATCH = 200
MAX_KEYWORDS = 26  # letters a..z
_LETTERS = {"\\Seen": "S", "\\Answered": "R", "\\Flagged": "F", "\\Deleted": "T", "\\Draft": "D"}


@dataclass(slots=True)
class MaildirExport:
    folders: int = 0
    messages: int = 0
    problems: list[Problem] = field(default_factory=list)


async def export_maildir(
    mailstore: Mailstore, root: Path, progress: Callable[[MaildirExport], None]
) -> MaildirExport:
    """Every mailbox of the account under ``root`` (which must not exist yet)."""
    result = MaildirExport()
    _make_folder(root)
    for mailbox in await mailstore.list_mailboxes():
        if "/" in mailbox.name:
            result.problems.append(Problem(mailbox.name, "a / cannot be in a Maildir++ name"))
            continue
        folder = root if mailbox.name == INBOX else root / f".{encode_mutf7(mailbox.name)}"
        if folder != root:
            _make_folder(folder)
            (folder / "maildirfolder").touch()
        await _export_mailbox(mailstore, mailbox, folder, result, progress)
        result.folders += 1
    _write_subscriptions(root, await mailstore.subscriptions())
    return result


def _make_folder(folder: Path) -> None:
    for sub in ("", "cur", "new", "tmp"):
        (folder / sub).mkdir(mode=0o700, exist_ok=sub != "")


async def _export_mailbox(
    mailstore: Mailstore,
    mailbox: Mailbox,
    folder: Path,
    result: MaildirExport,
    progress: Callable[[MaildirExport], None],
) -> None:
    summaries = await mailstore.messages(mailbox.id)
    letters = _keyword_letters(summaries, mailbox.name, result)
    entries = []
    for start in range(0, len(summaries), BATCH):
        batch = summaries[start : start + BATCH]
        bodies = await mailstore.read_messages(mailbox.id, [s.uid for s in batch])
        for summary in batch:
            base = _write_message(folder, summary, bodies[summary.uid], letters)
            entries.append(f"{summary.uid} :{base}\n")
        result.messages += len(batch)
        progress(result)
    header = f"3 V{mailbox.uidvalidity} N{mailbox.uidnext} G{uuid.uuid4().hex}\n"
    _replace(folder / "dovecot-uidlist", header + "".join(entries))
    keywords = sorted(letters.items(), key=lambda item: item[1])
    _replace(folder / "dovecot-keywords", "".join(f"{ord(c) - 97} {k}\n" for k, c in keywords))


def _keyword_letters(
    summaries: list[MessageSummary], name: str, result: MaildirExport
) -> dict[str, str]:
    """keyword -> letter, for the mailbox's first 26 keywords (by name)."""
    found = sorted({flag for s in summaries for flag in s.flags if not flag.startswith("\\")})
    for dropped in found[MAX_KEYWORDS:]:
        reason = f"keyword {dropped} left out: a Maildir folder holds {MAX_KEYWORDS}"
        result.problems.append(Problem(name, reason))
    return {keyword: chr(ord("a") + i) for i, keyword in enumerate(found[:MAX_KEYWORDS])}


def _write_message(
    folder: Path, summary: MessageSummary, content: bytes, letters: dict[str, str]
) -> str:
    """Write one message file; its base name (the part before ``:2,``)."""
    data = content.replace(b"\r\n", b"\n")
    vsize = len(data) + data.count(b"\n")  # what Dovecot counts: every LF as CRLF
    base = f"{summary.internal_date}.M{summary.uid}P{os.getpid()}.hato,S={len(data)},W={vsize}"
    flags = sorted(_LETTERS.get(flag) or letters.get(flag, "") for flag in summary.flags)
    temporary = folder / "tmp" / base
    temporary.write_bytes(data)
    os.utime(temporary, (summary.internal_date, summary.internal_date))
    temporary.rename(folder / "cur" / f"{base}:2,{''.join(flags)}")
    return base


def _write_subscriptions(root: Path, names: list[str]) -> None:
    lines = "".join(f"{encode_mutf7(name).replace('.', chr(9))}\n" for name in names)
    _replace(root / "subscriptions", "V\t2\n\n" + lines)


def _replace(path: Path, text: str) -> None:
    """Write a whole file under a temporary name and rename it, as Dovecot's files are."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.rename(path)
