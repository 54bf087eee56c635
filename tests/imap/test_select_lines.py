"""SELECT's FLAGS and PERMANENTFLAGS lines and MAILBOXID are made once and kept
(hato.imap.updates, hato.imap.objectid): the kept answers are the ones made anew, and
what is kept is bounded."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import Any

from hato.imap import objectid, updates
from hato.imap.objectid import KEPT_MAILBOX_IDS, mailbox_id
from hato.imap.updates import KEPT_FLAG_BYTES, flags_lines

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
    kept = updates._kept_flag_lines
    for n in range(2_000):  # some 170 KB of lines made, more than is kept
        lines = flags_lines(_view({f"kw{n}", "$Junk"}))
        assert lines[0] == f"* FLAGS ({SYSTEM} $Junk kw{n})\r\n".encode()
        assert kept.size <= KEPT_FLAG_BYTES
    assert kept.size > KEPT_FLAG_BYTES // 2  # kept up to the bound, not beyond
    # a set of keywords whose lines pass a quarter of the bound is made anew each time
    many = {f"keyword{n:05d}" for n in range(2_000)}
    assert flags_lines(_view(many))[0].endswith(b" keyword01999)\r\n")
    assert kept.get((tuple(sorted(many)), False)) is None
    # a caller changing the list it got does not change what the next SELECT sends
    first = flags_lines(_view(set()))
    first.append(b"x")
    assert len(flags_lines(_view(set()))) == 2


def test_kept_mailbox_ids_are_bounded_and_the_same_as_made_anew() -> None:
    for row in range(KEPT_MAILBOX_IDS + 20):
        for _ in range(2):  # made, then kept
            digest = hashlib.sha256(b"MAILBOXID\0%d\0%d" % (row, 1733600000)).hexdigest()
            assert mailbox_id(row, 1733600000) == "F" + digest[:24]
    assert mailbox_id(5, 1) != mailbox_id(5, 2)  # a new UIDVALIDITY, a new id (RFC 8474 §4)
    assert len(objectid._kept_mailbox_ids) <= KEPT_MAILBOX_IDS
