"""Reading mbox files (RFC 4155): From_ quoting undone, Status/X-Status as flags, bad input."""

from __future__ import annotations

from hato.migrate.mbox import MboxMessage, read_mbox
from hato.migrate.mbox_export import mbox_entry
from hato.migrate.problems import LineProblem

MBOX = (
    b"stray text\n"
    b"From alice@example.org Sat Jan  3 01:05:34 1996\n"
    b"Status: RO\n"
    b"X-Status: AF\n"
    b"Subject: one\n"
    b"\n"
    b">From the start\n"
    b">>From quoted twice\n"
    b"\n"
    b"From bob@example.org Sat Jan  3 01:05:35 1996\n"
    b"From bob@example.org bad date\n"
    b"Subject: two\n"
    b"Status: O\n"
    b"\n"
    b"no final newline"
)


def _read(data: bytes, max_size: int = 1000) -> list[MboxMessage | LineProblem]:
    return list(read_mbox(data.splitlines(keepends=True), max_size))


def test_messages_flags_dates_and_problems() -> None:
    first, empty, second = _read(MBOX)[1:]
    assert _read(MBOX)[0] == LineProblem(1, "text before the first From_ line, skipped")
    assert isinstance(first, MboxMessage)
    assert first.content == b"Subject: one\r\n\r\nFrom the start\r\n>From quoted twice\r\n"
    assert first.flags == {"\\Seen", "\\Answered", "\\Flagged"}
    assert first.internal_date == 820631134
    assert empty == LineProblem(10, "empty message, skipped")
    assert isinstance(second, MboxMessage) and second.line == 11
    assert second.content == b"Subject: two\r\n\r\nno final newline\r\n"
    assert second.flags == frozenset() and second.internal_date is None


def test_an_oversized_message_is_skipped_and_the_next_read() -> None:
    data = b"From a Sat Jan  3 01:05:34 1996\n" + b"x" * 100 + b"\nFrom b\nS: s\n\nok\n"
    big, small = _read(data, max_size=50)
    assert big == LineProblem(1, "message larger than 50 bytes, skipped")
    assert isinstance(small, MboxMessage) and small.content == b"S: s\r\n\r\nok\r\n"


def test_export_quotes_as_mboxrd_and_import_gives_it_back() -> None:
    content = b"Subject: q\r\n\r\nFrom a\r\n>From b\r\n>>From c\r\nend\r\n"
    flags = frozenset({"\\Seen", "\\Draft", "\\Deleted"})
    entry = mbox_entry(content, flags, 820631134)
    assert entry.startswith(b"From MAILER-DAEMON Wed Jan  3 01:05:34 1996\nSubject: q\n")
    assert b"\n>From a\n>>From b\n>>>From c\nend\n\n" in entry
    (message,) = _read(entry + entry.replace(b"Subject: q", b"Subject: r"))[:1]
    assert message == MboxMessage(1, content, flags, 820631134)
