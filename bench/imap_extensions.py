"""The rows for IMAP extensions: SORT and THREAD (RFC 5256), CONDSTORE's CHANGEDSINCE and
QRESYNC's re-SELECT (RFC 7162).

A server that answers BAD or NO to the measured command (it lacks the extension) gets
``n/a (BAD …)`` in its cell rather than a number (``bench.imap_session.Refused``).

The change rows first make 100 flag changes from another connection, one STORE each,
untimed: each of 100 seeded messages gets ``\\Flagged`` toggled (set where it is clear,
cleared where it is set), so every STORE is a real change, one MODSEQ step, however often
the row runs. The QRESYNC row also expunges 5 other seeded messages and appends 5 small
ones in their place, so the mailbox keeps its size for the rows after it.
"""

from __future__ import annotations

import imaplib
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench.imap_session import (
    Refused,
    accepted,
    check,
    expect,
    login,
    ms_since,
    refusals,
    selected,
)

if TYPE_CHECKING:
    from bench.measurements import Context
    from bench.target import Target

__all__ = [
    "CHANGES", "EXPUNGES", "changedsince", "make_changes", "qresync_reselect", "sort", "thread",
]  # fmt: skip

CHANGES = 100
EXPUNGES = 5
_NEWCOMER = (
    b"From: Late Comer <late@example.com>\r\nTo: bench@bench.example\r\n"
    b"Subject: appended in place of an expunged message\r\n"
    b"Message-ID: <late@bench.example>\r\n\r\n" + b"hello again\r\n" * 50
)
_NUMBER = re.compile(rb"\d+")
_SEQ_FLAGS = re.compile(rb"(\d+) \(FLAGS \(([^)]*)\)")


def _sorted(target: Target, context: Context, criterion: str) -> float:
    with selected(target, context) as client:
        start = time.perf_counter()
        with refusals():
            status, data = client.sort(f"({criterion})", "UTF-8", "ALL")
        elapsed = ms_since(start)
        accepted(status, data)
        expect(target, f"SORT ({criterion}) ALL", len(data[0].split()), context.count)
        return elapsed


def sort(criterion: str) -> Callable[[Target, Context], float]:
    """``SORT (criterion) UTF-8 ALL`` on the selected mailbox (RFC 5256 §3)."""

    def row(target: Target, context: Context) -> float:
        return _sorted(target, context, criterion)

    row.__doc__ = f"SORT ({criterion}) UTF-8 ALL"
    return row


def thread(target: Target, context: Context) -> float:
    """``THREAD REFERENCES UTF-8 ALL`` (RFC 5256 §3): every message once in the answer,
    and some of them threaded below others (the generator's replies)."""
    with selected(target, context) as client:
        start = time.perf_counter()
        with refusals():
            status, data = client.thread("REFERENCES", "UTF-8", "ALL")
        elapsed = ms_since(start)
        accepted(status, data)
        answer = data[0] or b""
        expect(target, "THREAD REFERENCES ALL", len(_NUMBER.findall(answer)), context.count)
        if answer.count(b"(") >= context.count:
            raise RuntimeError(f"{target.name}: THREAD REFERENCES found no thread")
        return elapsed


def _toggle_flagged(client: imaplib.IMAP4, numbers: list[int]) -> None:
    """One STORE per message: ``\\Flagged`` set where clear, cleared where set."""
    status, data = client.fetch(",".join(map(str, numbers)), "(FLAGS)")
    check(status, data)
    flagged = {
        int(m.group(1))
        for item in data
        if isinstance(item, bytes) and (m := _SEQ_FLAGS.match(item))
        if b"\\flagged" in m.group(2).lower()
    }
    for number in numbers:
        sign = "-" if number in flagged else "+"
        check(*client.store(str(number), f"{sign}FLAGS.SILENT", "(\\Flagged)"))


def _expunge_and_refill(client: imaplib.IMAP4, numbers: list[int]) -> None:
    check(*client.store(",".join(map(str, numbers)), "+FLAGS.SILENT", "(\\Deleted)"))
    check(*client.expunge())
    for _ in numbers:
        check(*client.append("INBOX", None, None, _NEWCOMER))


def make_changes(target: Target, context: Context, expunges: int = 0) -> None:
    """From a connection of its own: 100 flag changes, then ``expunges`` expunges
    (of other messages) refilled by as many appends."""
    numbers = context.sample(CHANGES + expunges)
    client = login(target)
    try:
        # CONDSTORE from the start: Dovecot keeps MODSEQs only once a client asked
        with refusals():
            accepted(*client.select("INBOX (CONDSTORE)"))
        _toggle_flagged(client, numbers[:CHANGES])
        if expunges:
            _expunge_and_refill(client, numbers[CHANGES:])
    finally:
        client.logout()


def _code(client: imaplib.IMAP4, name: str) -> int:
    """A response code's number from the last SELECT (``[HIGHESTMODSEQ n]``)."""
    _, values = client.response(name)
    if not values or values[-1] is None:
        raise Refused("NO", f"no {name} in the SELECT answer")
    return int(values[-1])


def changedsince(target: Target, context: Context) -> float:
    """``FETCH 1:* (FLAGS) (CHANGEDSINCE m)`` with m 100 below the mailbox's
    HIGHESTMODSEQ, after 100 changes (RFC 7162 §3.1.4): 100 answers."""
    make_changes(target, context)
    client = login(target)
    try:
        with refusals():
            accepted(*client.select("INBOX (CONDSTORE)"))
        since = _code(client, "HIGHESTMODSEQ") - CHANGES
        start = time.perf_counter()
        with refusals():
            status, data = client.fetch("1:*", f"(FLAGS) (CHANGEDSINCE {since})")
        elapsed = ms_since(start)
        accepted(status, data)
        answers = [item for item in data if item is not None]
        expect(target, f"FETCH (CHANGEDSINCE {since})", len(answers), CHANGES)
        return elapsed
    finally:
        client.logout()


def _uid_count(uid_set: bytes) -> int:
    """How many UIDs ``1,3:5`` names."""
    count = 0
    for part in uid_set.split(b","):
        low, _, high = part.partition(b":")
        count += abs(int(high or low) - int(low)) + 1
    return count


def _qresync_client(target: Target) -> imaplib.IMAP4:
    client = login(target)
    with refusals():
        accepted(*client.enable("QRESYNC"))
    return client


def _remember(target: Target) -> tuple[int, int]:
    """What a QRESYNC client keeps after it left: UIDVALIDITY and HIGHESTMODSEQ."""
    client = _qresync_client(target)
    try:
        with refusals():
            accepted(*client.select("INBOX"))
        return _code(client, "UIDVALIDITY"), _code(client, "HIGHESTMODSEQ")
    finally:
        client.logout()


def qresync_reselect(target: Target, context: Context) -> float:
    """``SELECT INBOX (QRESYNC (uidvalidity modseq))`` on a new connection (ENABLE
    QRESYNC untimed) after another connection made 100 flag changes and 5 expunges
    (RFC 7162 §3.2.5): VANISHED (EARLIER) names the 5, FETCH the 100 and the 5 new."""
    validity, modseq = _remember(target)
    make_changes(target, context, EXPUNGES)
    client = _qresync_client(target)
    try:
        client.untagged_responses = {}
        start = time.perf_counter()
        with refusals():
            status, data = client.select(f"INBOX (QRESYNC ({validity} {modseq}))")
        elapsed = ms_since(start)
        accepted(status, data)
        _, fetched = client.response("FETCH")
        _, vanished = client.response("VANISHED")
        gone = sum(_uid_count(v.split()[-1]) for v in vanished if isinstance(v, bytes))
        expect(target, "QRESYNC VANISHED UIDs", gone, EXPUNGES)
        got = sum(1 for item in fetched if item is not None)
        expect(target, "QRESYNC FETCH", got, CHANGES + EXPUNGES)
        return elapsed
    finally:
        client.logout()
