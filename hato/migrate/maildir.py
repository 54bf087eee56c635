"""Reading a Dovecot Maildir (Maildir++ layout), one message file at a time.

Theory of operation. INBOX is the root's ``cur/`` and ``new/``; every other
mailbox is a directory ``.Name`` or ``.Parent.Child`` beside them, its name in
modified UTF-7 (RFC 3501 §5.1.3) with ``.`` between levels, as hato's names are.
Each mailbox's ``dovecot-uidlist`` holds its UIDVALIDITY, its next UID and one
line per message, UID first and file name last (the name's part before ``:`` is
the key: the flags after it change; versions 1 and 3 of the format are read).
Its ``dovecot-keywords`` gives the keyword of each letter ``a``..``z`` in the
names' ``:2,`` flags; the capitals are the system flags (``S``een, ``R``eplied,
``F``lagged, ``T``rashed, ``D``raft; ``P``assed has no IMAP flag and Dovecot
ignores it too). A file's mtime is its INTERNALDATE, as Dovecot keeps it.
Files keep LF line ends; IMAP serves CRLF, so every bare LF becomes CRLF and the
message's size is the ``,W=`` size Dovecot reports.

As Dovecot does: a listed UID whose file is gone was expunged (the uidlist is
rewritten lazily); a file the list does not name gets the next free UID, in
name order, after the listed ones. ``subscriptions`` (version 2: names with
tabs between levels, after a ``V`` header; version 1: one name a line) lists
the subscribed names.

Memory is one file name per message of one mailbox (to match files to UIDs)
and the message being read; what cannot be read is a ``Problem`` naming the
file or line, and the rest goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hato.migrate.problems import Problem
from hato.mime import crlf_lines
from hato.proto.imap import MUTF7Error, decode_mutf7
from hato.store.base import INBOX

__all__ = [
    "DEFAULT_SPECIAL_USE", "FolderFiles", "MaildirFile", "MaildirFolder", "MaildirMessage",
    "UidList", "find_folders", "folder_files", "folder_name", "read_keywords", "read_message",
    "read_subscriptions", "read_uidlist",
]  # fmt: skip

#: The special-use Dovecot's stock configuration gives (15-mailboxes.conf).
DEFAULT_SPECIAL_USE = {
    "Drafts": "\\Drafts",
    "Junk": "\\Junk",
    "Trash": "\\Trash",
    "Sent": "\\Sent",
    "Sent Messages": "\\Sent",
}
MAX_UID = 2**32 - 1  # RFC 3501 §9: nz-number
MAX_LINE = 65536  # bytes of one uidlist line: longer than any Dovecot writes
_SYSTEM = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged", "T": "\\Deleted", "D": "\\Draft"}
_KEYWORD = re.compile(r'[^\x00-\x20\x7f-\U0010ffff(){%*"\\\]]+')  # RFC 3501 §9 flag-keyword


@dataclass(frozen=True, slots=True)
class MaildirFolder:
    path: Path
    name: str  # hato's name: UTF-8, "." between levels


@dataclass(slots=True)
class UidList:
    """A ``dovecot-uidlist``'s header; its entries are read by ``read_uidlist``."""

    uidvalidity: int
    uidnext: int


@dataclass(frozen=True, slots=True)
class MaildirFile:
    """One message file; its folder's path is shared, its own name a string (a ``Path``
    each would cost about half a kilobyte per message)."""

    folder: Path
    name: str  # cur/NAME or new/NAME
    uid: int
    listed: bool  # False: not in dovecot-uidlist, given the next free UID

    @property
    def path(self) -> Path:
        return self.folder / self.name


@dataclass(frozen=True, slots=True)
class MaildirMessage:
    content: bytes  # CRLF line ends
    flags: frozenset[str]
    internal_date: int
    file_size: int  # the file's bytes (LF line ends): what the progress counts


@dataclass(slots=True)
class FolderFiles:
    """What matching a folder's files to its uidlist found, besides the files."""

    gone: int = 0  # listed UIDs without a file: expunged since the list was written
    uidnext: int = 1  # above every UID listed or given
    problems: list[Problem] = field(default_factory=list)


def find_folders(root: Path, problems: list[Problem]) -> list[MaildirFolder]:
    """INBOX and every ``.Name`` folder under ``root``, parents before children."""
    folders = [MaildirFolder(root, INBOX)]
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if not entry.name.startswith(".") or entry.name in (".", ".."):
            continue
        if not entry.is_dir() or not (Path(entry.path) / "cur").is_dir():
            continue
        name = folder_name(entry.name[1:])
        if isinstance(name, str):
            folders.append(MaildirFolder(Path(entry.path), name))
        else:
            problems.append(Problem(entry.path, name.reason))
    return folders


@dataclass(frozen=True, slots=True)
class _BadName:
    reason: str


def folder_name(stored: str) -> str | _BadName:
    """hato's name of a Maildir++ folder (``Parent.Child`` in modified UTF-7)."""
    try:
        name = decode_mutf7(stored)
    except MUTF7Error:
        return _BadName("folder name is not valid modified UTF-7, folder skipped")
    if not all(name.split(".")) or any(ord(c) < 0x20 or c == "\x7f" for c in name):
        return _BadName("folder name has an empty level or a control character, skipped")
    if name[0] == "~":  # as IMAP names are refused (hato.imap.names): not a path
        return _BadName("folder name starts with ~, skipped")
    return INBOX if name.upper() == INBOX else name


def read_subscriptions(root: Path, problems: list[Problem]) -> list[str]:
    """The subscribed names of ``root/subscriptions``, in hato's form."""
    path = root / "subscriptions"
    try:
        lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read: {exc.strerror}"))
        return []
    if lines and lines[0].startswith("V\t"):  # version 2: header, empty line, tab-separated
        end = lines.index("") if "" in lines else len(lines)
        lines = [line.replace("\t", ".") for line in lines[end + 1 :]]
    names = []
    for number, line in enumerate(lines, 1):
        name = folder_name(line) if line else _BadName("empty")
        if isinstance(name, str):
            names.append(name)
        else:
            problems.append(Problem(f"{path} line {number}", name.reason))
    return names


def read_keywords(folder: Path, problems: list[Problem]) -> dict[str, str]:
    """Letter (``a``..``z``) -> keyword, from the folder's ``dovecot-keywords``."""
    path = folder / "dovecot-keywords"
    try:
        lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read: {exc.strerror}"))
        return {}
    letters: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        index, _, keyword = line.partition(" ")
        if not (index.isdigit() and int(index) < 26 and _KEYWORD.fullmatch(keyword)):
            problems.append(Problem(f"{path} line {number}", "not a keyword line, ignored"))
            continue
        letters[chr(ord("a") + int(index))] = keyword
    return letters


def read_uidlist(
    folder: Path, problems: list[Problem]
) -> tuple[UidList | None, Iterator[tuple[int, str]]]:
    """The header, and each entry as (uid, base name), read as they come.

    ``None`` when the folder has no usable list: its messages get new UIDs.
    """
    path = folder / "dovecot-uidlist"
    try:
        with path.open("rb") as file:
            header = _uidlist_header(file.readline(MAX_LINE + 1))
    except FileNotFoundError:
        return None, iter(())
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read: {exc.strerror}; new UIDs given"))
        return None, iter(())
    if header is None:
        problems.append(Problem(f"{path} line 1", "not a version 1 or 3 header; new UIDs given"))
        return None, iter(())
    version, uidlist = header
    return uidlist, _uidlist_entries(path, version, problems)


def _uidlist_header(line: bytes) -> tuple[int, UidList] | None:
    words = line.decode("ascii", "replace").split()
    if words[:1] == ["1"] and len(words) >= 3 and words[1].isdigit() and words[2].isdigit():
        validity, uidnext = int(words[1]), int(words[2])
    elif words[:1] == ["3"]:
        fields = {word[0]: word[1:] for word in words[1:]}
        if not (fields.get("V", "").isdigit() and fields.get("N", "").isdigit()):
            return None
        validity, uidnext = int(fields["V"]), int(fields["N"])
    else:
        return None
    if not (0 < validity <= MAX_UID and 0 < uidnext <= MAX_UID + 1):
        return None
    return int(words[0]), UidList(validity, uidnext)


def _uidlist_entries(
    path: Path, version: int, problems: list[Problem]
) -> Iterator[tuple[int, str]]:
    """Entries in ascending UID order; an entry out of order or unreadable is reported."""
    last = 0
    with path.open("rb") as file:
        file.readline(MAX_LINE + 1)  # the header, read already
        for number, line in enumerate(iter(lambda: file.readline(MAX_LINE + 1), b""), 2):
            entry = _uidlist_entry(line, version)
            if isinstance(entry, str):
                problems.append(Problem(f"{path} line {number}", entry))
            elif entry[0] <= last:
                reason = f"UID {entry[0]} not above the UID before it ({last}), ignored"
                problems.append(Problem(f"{path} line {number}", reason))
            else:
                last = entry[0]
                yield entry


def _uidlist_entry(line: bytes, version: int) -> tuple[int, str] | str:
    """(uid, base name) of one entry line, or why it cannot be read."""
    if len(line) > MAX_LINE:
        return f"longer than {MAX_LINE} bytes, ignored"
    text = line.decode("utf-8", "surrogateescape").rstrip("\r\n")
    if version == 1:
        uid, _, name = text.partition(" ")
    else:
        fields, _, name = text.partition(" :")
        uid = fields.split(" ", 1)[0]
    if not (uid.isdigit() and 0 < int(uid) <= MAX_UID) or not name:
        return "not a UID and a file name, ignored"
    return int(uid), name.partition(":")[0]


def folder_files(
    folder: MaildirFolder, uidlist: UidList | None, entries: Iterator[tuple[int, str]]
) -> tuple[list[MaildirFile], FolderFiles]:
    """The folder's message files in UID order, each with its UID (see the module)."""
    found = FolderFiles()
    names = _message_names(folder.path, found.problems)
    files: list[MaildirFile] = []
    found.uidnext = uidlist.uidnext if uidlist else 1
    for uid, base in entries:
        found.uidnext = max(found.uidnext, uid + 1)  # a stale header is below its entries
        name = names.pop(base, None)
        if name is None:
            found.gone += 1
        else:
            files.append(MaildirFile(folder.path, name, uid, True))
    for base in sorted(names):
        files.append(MaildirFile(folder.path, names[base], found.uidnext, False))
        found.uidnext += 1
    return files, found


def _message_names(folder: Path, problems: list[Problem]) -> dict[str, str]:
    """Base name -> ``cur/NAME`` or ``new/NAME`` of every message file of the folder."""
    names: dict[str, str] = {}
    for sub in ("cur", "new"):  # a file in cur/ has its flags: it wins
        try:
            entries = list(os.scandir(folder / sub))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file():
                continue
            base = entry.name.partition(":")[0]
            if base in names:
                problems.append(Problem(entry.path, "a second file of the same message, skipped"))
                continue
            names[base] = f"{sub}/{entry.name}"
    return names


def read_message(
    file: MaildirFile, keywords: dict[str, str], max_size: int
) -> MaildirMessage | Problem:
    """The file's message with CRLF line ends, its flags and INTERNALDATE (its mtime)."""
    path = file.path
    try:
        # unbuffered, and read for the size the file has: a read of max_size + 1 would
        # have the interpreter map and unmap a buffer that large for every message
        with open(path, "rb", buffering=0) as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size > max_size:
                return Problem(str(path), f"larger than {max_size} bytes, skipped")
            data = handle.read(stat.st_size + 1)
            if len(data) > stat.st_size:  # it grew since: the rest, up to the limit
                data += handle.read(max_size + 1 - len(data)) or b""
    except OSError as exc:
        return Problem(str(path), f"cannot read: {exc.strerror}, skipped")
    if len(data) > max_size:
        return Problem(str(path), f"larger than {max_size} bytes, skipped")
    wrong = _size_mismatch(path.name, data)
    if wrong:
        return Problem(str(path), wrong)
    if not data.strip():
        return Problem(str(path), "empty message, skipped")
    content = crlf_lines(data)
    return MaildirMessage(content, _flags(path.name, keywords), int(stat.st_mtime), len(data))


def _size_mismatch(name: str, data: bytes) -> str | None:
    """Why the sizes the name gives (``,S=`` file, ``,W=`` with CRLF) do not fit, if not."""
    base = name.partition(":")[0]
    for part in base.split(",")[1:]:
        key, _, value = part.partition("=")
        if key == "S" and value.isdigit() and int(value) != len(data):
            return f"{len(data)} bytes, the name says S={value}: truncated or changed, skipped"
    return None


def _flags(name: str, keywords: dict[str, str]) -> frozenset[str]:
    """Flags of the ``:2,`` part of a file name (anything after a ``,`` there is not flags)."""
    _, info, letters = name.partition(":2,")
    if not info:
        return frozenset()
    letters = letters.split(",", 1)[0]
    flags = {_SYSTEM[c] for c in letters if c in _SYSTEM}
    flags.update(keywords[c] for c in letters if c in keywords)
    return frozenset(flags)
