"""ESEARCH answers (RFC 4731), SEARCHRES (RFC 5182), ESORT and CONTEXT (RFC 5267).

    esearch-response = "ESEARCH" [search-correlator] [SP "UID"]
                       *(SP search-return-data)

One searching command with RETURN (...) is answered here, SEARCH and SORT
alike: `found` is the (seq, uid) list in mailbox order (SEARCH) or in the
requested sort order (SORT, RFC 5267 §3.1: MIN/MAX are the first/last in
that order, ALL comes in that order).  Then, in this order:

- RFC 5267 §4.4: one PARTIAL or one ALL, never both (BAD otherwise); an
  UPDATE whose tag is already in use by another UPDATE is BAD (§4.3).
- SAVE (RFC 5182 §2.1) replaces "$" by the UIDs found; with only MIN and/or
  MAX beside it, by those messages only (§2.4).  A failed searching command
  with SAVE leaves "$" empty.
- the ESEARCH line: MIN, MAX, ALL, PARTIAL, COUNT and, when the program
  used MODSEQ, MODSEQ (RFC 7162 §3.1.5: the highest mod-sequence of the
  messages returned: those of MIN/MAX when only they were asked for).  No
  match leaves out MIN, MAX and ALL, keeps COUNT 0.  SAVE alone answers
  nothing (RFC 5182 §2.1).
- UPDATE keeps the search alive (hato.imap.context_update).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from hato.imap import context_update
from hato.imap.condstore import enable_condstore, highest_modseq, uses_modseq
from hato.imap.reply import Reply, bad
from hato.proto.imap import (
    Search,
    SearchReturn,
    Sort,
    esearch_response,
    resp_code,
    untagged_status,
)

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = [
    "answer", "answer_esort", "check_returning", "ordered_set", "partial_slice", "return_data",
    "returned_pairs", "searchres",
]  # fmt: skip

Pair = tuple[int, int]  # (seq, uid)
_HINTS = frozenset({"CONTEXT"})  # RFC 5267 §4.2: a hint, nothing to answer


def check_returning(session: ImapSession, cmd: Search | Sort) -> frozenset[str]:
    """The options to answer (CONTEXT dropped, none left meaning ALL); BAD for the
    combinations RFC 5267 forbids."""
    assert cmd.returning is not None
    options = cmd.returning.options - _HINTS
    if not options and cmd.returning.partial is None:
        options = frozenset({"ALL"})
    if "ALL" in options and cmd.returning.partial is not None:
        raise bad("PARTIAL conflicts with ALL")  # RFC 5267 §4.4
    if "UPDATE" in options and context_update.in_use(session, cmd.tag):
        raise bad("Tag reuse")  # RFC 5267 §4.3
    return options


async def answer_esort(session: ImapSession, cmd: Sort) -> Reply:
    """SORT RETURN (...) (RFC 5267 §3): the ESEARCH answer of a sorted result."""
    from hato.imap.sorting import sort_matches

    with searchres(session, cmd):
        options = check_returning(session, cmd)
        ordered = await sort_matches(session, cmd.sort_criteria, cmd.criteria)
        return answer(session, cmd, options, ordered, "Sort completed.")


@contextmanager
def searchres(session: ImapSession, cmd: Search | Sort) -> Iterator[None]:
    """RFC 5182 §2.1: a searching command with SAVE that fails leaves "$" empty."""
    try:
        yield
    except BaseException:
        if cmd.returning is not None and "SAVE" in cmd.returning.options:
            session.require_view().saved_uids = []
        raise


def answer(
    session: ImapSession, cmd: Search | Sort, options: frozenset[str], found: list[Pair], done: str
) -> Reply:
    """Save, send the ESEARCH line, keep an UPDATE context; the tagged reply."""
    view = session.require_view()
    assert cmd.returning is not None
    chosen = returned_pairs(options, cmd.returning, found)
    if "SAVE" in options:
        view.saved_uids = [uid for _, uid in chosen]
    modseq = 0
    if uses_modseq(cmd.criteria):
        enable_condstore(session)
        modseq = highest_modseq(view, (uid for _, uid in chosen))
    if options != {"SAVE"} or cmd.returning.partial is not None:
        session.send(_esearch(cmd, options, cmd.returning, found, modseq))
    if "UPDATE" in options and not context_update.start(session, cmd, found):
        refusal = resp_code("NOUPDATE", cmd.tag)  # RFC 5267 §4.3.1
        session.send(untagged_status("NO", "Too many contexts", refusal))
        return Reply(done.rstrip(".") + ", will not notify.")
    return Reply(done)


def returned_pairs(
    options: frozenset[str], returning: SearchReturn, found: list[Pair]
) -> list[Pair]:
    """The messages SAVE keeps and MODSEQ covers: only MIN's and MAX's when nothing
    else that returns messages was asked (RFC 5182 §2.4, RFC 7162 §3.1.5)."""
    wanted = options & {"MIN", "MAX", "ALL", "COUNT"}
    whole = returning.partial is not None or wanted - {"MIN", "MAX"}
    if not found or not wanted or whole:
        return found
    chosen = [found[0]] if "MIN" in wanted else []
    if "MAX" in wanted and found[-1] not in chosen:
        chosen.append(found[-1])
    return chosen


def _esearch(
    cmd: Search | Sort,
    options: frozenset[str],
    returning: SearchReturn,
    found: Sequence[Pair],
    modseq: int,
) -> bytes:
    numbers = [uid if cmd.uid else seq for seq, uid in found]
    return esearch_response(cmd.tag, cmd.uid, return_data(options, returning, numbers, modseq))


def return_data(
    options: frozenset[str], returning: SearchReturn, numbers: Sequence[int], modseq: int
) -> list[bytes]:
    """The search-return-data items (RFC 4731 §3.1, RFC 5267 §4.4) of ``numbers``."""
    words: list[bytes] = []
    if numbers:
        if "MIN" in options:
            words.append(b"MIN %d" % numbers[0])
        if "MAX" in options:
            words.append(b"MAX %d" % numbers[-1])
        if "ALL" in options:
            words.append(b"ALL " + ordered_set(numbers).encode())
    if returning.partial is not None:
        first, last = returning.partial
        window = partial_slice(numbers, first, last)
        shown = ordered_set(window) if window else "NIL"
        words.append(f"PARTIAL ({first}:{last} {shown})".encode())
    if "COUNT" in options:
        words.append(b"COUNT %d" % len(numbers))
    if modseq:
        words.append(b"MODSEQ %d" % modseq)
    return words


def ordered_set(numbers: Sequence[int]) -> str:
    """Numbers in their given order as a sequence-set: runs that go up by one become
    `a:b` (RFC 5267 §3.2: never a descending range), e.g. [5, 3, 4, 2] -> "5,3:4,2"."""
    out: list[str] = []
    start = 0
    for index in range(1, len(numbers) + 1):
        if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
            low, high = numbers[start], numbers[index - 1]
            out.append(str(low) if low == high else f"{low}:{high}")
            start = index
    return ",".join(out)


def partial_slice(numbers: Sequence[int], first: int, last: int) -> Sequence[int]:
    """Positions first..last (1-based) of the result (RFC 5267 §4.4); negative ones
    count from the end (RFC 9394 §3.1: -1 is the last).  Out of range is short or empty."""
    if first < 0:
        count = len(numbers)
        return numbers[max(count + first, 0) : max(count + last + 1, 0)]
    return numbers[first - 1 : last]
