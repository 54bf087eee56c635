"""SELECT's FLAGS and PERMANENTFLAGS lines and MAILBOXID are made once and kept
(hato.imap.updates, hato.imap.objectid): the kept answers are the ones made anew, and
what is kept is bounded."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hato.imap import updates
from hato.imap.objectid import KEPT_MAILBOX_IDS, mailbox_id
from hato.imap.updates import KEPT_FLAG_LINES, flags_lines

SYSTEM = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"


def _view(keywords: set[str], read_only: bool = False) -> Any:
    return SimpleNamespace(keywords=keywords, read_only=read_only)


def test_flags_lines_are_dovecots_for_any_keywords() -> None:
    assert flags_lines(_view(set())) == [
        f"* FLAGS ({SYSTEM})\r\n".encode(),
        f"* OK [PERMANENTFLAGS ({SYSTEM} \\*)] Flags permitted.\r\n".encode(),
    ]
    assert flags_lines(_view({"$Junk", "$Forwarded"})) == [
        f"* FLAGS ({SYSTEM} $Forwarded $Junk)\r\n".encode(),
        f"* OK [PERMANENTFLAGS ({SYSTEM} $Forwarded $Junk \\*)] Flags permitted.\r\n".encode(),
    ]
    assert flags_lines(_view({"$Junk"}, read_only=True)) == [
        f"* FLAGS ({SYSTEM} $Junk)\r\n".encode(),
        b"* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n",
    ]


def test_kept_flags_lines_are_bounded_and_follow_the_keywords() -> None:
    for n in range(KEPT_FLAG_LINES + 20):
        lines = flags_lines(_view({f"kw{n}", "$Junk"}))
        assert lines[0] == f"* FLAGS ({SYSTEM} $Junk kw{n})\r\n".encode()
    kept = updates._flags_lines.cache_info()
    assert kept.maxsize == KEPT_FLAG_LINES and kept.currsize <= KEPT_FLAG_LINES
    # a caller changing the list it got does not change what the next SELECT sends
    first = flags_lines(_view(set()))
    first.append(b"x")
    assert len(flags_lines(_view(set()))) == 2


def test_kept_mailbox_ids_are_bounded_and_the_same_as_made_anew() -> None:
    made = mailbox_id.__wrapped__
    for row in range(KEPT_MAILBOX_IDS + 20):
        assert mailbox_id(row, 1733600000) == made(row, 1733600000)
    assert mailbox_id(5, 1) != mailbox_id(5, 2)  # a new UIDVALIDITY, a new id (RFC 8474 §4)
    kept = mailbox_id.cache_info()
    assert kept.maxsize == KEPT_MAILBOX_IDS and kept.currsize <= KEPT_MAILBOX_IDS
