"""Unit tests of the ESEARCH family's pieces: sorted sequence-sets (RFC 5267 §3.2),
PARTIAL windows (§4.4), what SAVE keeps (RFC 5182 §2.4), the i;unicode-casemap
substring match (RFC 5051), and how SEARCH loads only what its keys need."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from hato.imap.esearch import ordered_set, partial_slice, returned_pairs
from hato.imap.search_eval import BULK, Program, _split, casemap_contains, evaluate
from hato.mime import parse_message
from hato.proto import imap as p
from hato.proto.imap import SearchReturn
from hato.store import MessageDetails, MessageSummary, TextMatches


@pytest.mark.parametrize(
    ("numbers", "text"),
    [
        ([], ""),
        ([7], "7"),
        ([1, 2, 3], "1:3"),
        ([5, 3, 4, 2, 1], "5,3:4,2,1"),  # sorted order kept, ranges only upwards
        ([6, 5, 4], "6,5,4"),
        ([1, 2, 4, 5, 9], "1:2,4:5,9"),
    ],
)
def test_ordered_set(numbers: list[int], text: str) -> None:
    assert ordered_set(numbers) == text


@pytest.mark.parametrize(
    ("first", "last", "window"),
    [
        (1, 1, [10]),
        (2, 4, [20, 30, 40]),
        (4, 9, [40, 50]),  # short: the range runs past the end
        (6, 9, []),  # NIL
        (-2, -1, [40, 50]),  # RFC 9394: from the end
        (-9, -4, [10, 20]),
        (-9, -7, []),
    ],
)
def test_partial_slice(first: int, last: int, window: list[int]) -> None:
    assert list(partial_slice([10, 20, 30, 40, 50], first, last)) == window


FOUND = [(1, 11), (3, 13), (4, 14)]


@pytest.mark.parametrize(
    ("options", "partial", "kept"),
    [
        ({"SAVE"}, None, FOUND),
        ({"SAVE", "MIN"}, None, [(1, 11)]),
        ({"SAVE", "MAX"}, None, [(4, 14)]),
        ({"SAVE", "MIN", "MAX"}, None, [(1, 11), (4, 14)]),
        ({"SAVE", "MIN", "COUNT"}, None, FOUND),
        ({"SAVE", "MIN", "ALL"}, None, FOUND),
        ({"SAVE", "MIN"}, (1, 2), FOUND),
        ({"SAVE", "MIN", "UPDATE"}, None, [(1, 11)]),
    ],
)
def test_what_save_keeps(
    options: set[str], partial: tuple[int, int] | None, kept: list[tuple[int, int]]
) -> None:
    returning = SearchReturn(frozenset(options), partial)
    assert returned_pairs(frozenset(options), returning, FOUND) == kept
    assert returned_pairs(frozenset(options), returning, []) == []


@pytest.mark.parametrize(
    ("wanted", "text", "found"),
    [
        ("äpfel", "ÄPFEL", True),
        ("ÄPFEL", "äpfel und birnen", True),
        ("grösse", "GRÖSSE", True),
        ("abc", "ＡＢＣ", True),  # full width folds to ASCII (NFKD)
        ("ａｂｃ", "xABCx", True),
        ("アイウ", "ｱｲｳ", True),  # half-width katakana folds to full width
        ("会議", "明日の会議", True),
        ("会談", "明日の会議", False),
        ("apfel", "Äpfel", False),  # Ä is A + U+0308: not A next to P
        ("a", "Ä", True),  # but a substring of the decomposed form, as the comparator says
        ("zebra", "ZEBRA", True),
        ("zebra", "ZEBRO", False),
    ],
)
def test_casemap_contains(wanted: str, text: str, found: bool) -> None:
    assert casemap_contains(wanted, text) is found


def _key(text: str) -> p.SearchKey:
    from hato.proto.imap._search import parse_search_keys
    from hato.proto.imap._tokens import Cursor

    return parse_search_keys(Cursor(text.encode()))


@pytest.mark.parametrize(
    ("program", "columns", "details", "raw"),
    [
        ("SEEN LARGER 10 UID 1:5", set(), False, False),
        ("FROM a TO b", {"from_", "to"}, False, False),
        ('OR CC c NOT SUBJECT "s"', {"cc", "subject"}, False, False),
        ('FROM ""', set(), True, True),  # presence of the field: the raw header
        ("BCC x", set(), True, True),
        ("HEADER X-Spam yes", set(), True, True),
        ("SENTON 1-Jan-2024", set(), True, False),
        ("NOT BODY x", set(), True, True),
    ],
)
def test_program_needs(program: str, columns: set[str], details: bool, raw: bool) -> None:
    assert Program.of(_key(program)) == Program(frozenset(columns), details, raw)


def test_split_runs_cheap_keys_first() -> None:
    cheap, costly = _split(_key("BODY x UNSEEN FROM a"), columns=True)
    assert cheap == _key("UNSEEN FROM a")
    assert costly == _key("BODY x")
    cheap, costly = _split(_key("BODY x UNSEEN FROM a"), columns=False)
    assert cheap == _key("UNSEEN")
    assert costly == _key("BODY x FROM a")
    assert _split(_key("OR BODY x SEEN"), columns=True) == (None, _key("OR BODY x SEEN"))


class FakeView:
    """What the evaluator reads of a view."""

    def __init__(self, count: int) -> None:
        self.id = 1
        self.uids = list(range(1, count + 1))
        self.count = count
        self.saved_uids: list[int] = []
        self.index = SimpleNamespace(uids=[])  # not the view's numbering: no key cache

    def summary(self, uid: int) -> MessageSummary:
        return MessageSummary(uid, 1, self.size(uid), self.flag_set(uid), 1_700_000_000)

    def size(self, uid: int) -> int:
        return 100

    def flag_set(self, uid: int) -> frozenset[str]:
        return SEEN if uid % 2 else frozenset()

    def is_recent(self, uid: int) -> bool:
        return False


SEEN = frozenset({"\\Seen"})
RAW = b"From: Anna <anna@example.org>\r\nSubject: Hallo\r\n\r\nbody text\r\n"
INFO = parse_message(RAW).to_json()


class FakeMailstore:
    """Counts what the evaluator asks the store for."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, Any]] = []

    async def header_columns(self, mailbox_id: int, names: Sequence[str]) -> list[tuple[Any, ...]]:
        self.asked.append(("columns", tuple(names)))
        return [(uid, "Anna <anna@example.org>") for uid in range(1, 1001)]

    async def message_details(self, mailbox_id: int, uids: Sequence[int]) -> list[MessageDetails]:
        self.asked.append(("details", list(uids)))
        return [MessageDetails(FakeView(0).summary(uid), b"", INFO) for uid in uids]

    async def read_messages(self, mailbox_id: int, uids: Sequence[int]) -> dict[int, bytes]:
        self.asked.append(("raw", list(uids)))
        return dict.fromkeys(uids, RAW)

    async def text_matches(self, mailbox_id: int, key: str, header: bool) -> TextMatches:
        """As a store whose messages predate the full-text index: all unsure."""
        return TextMatches(frozenset(), frozenset(range(1, 1001)))


def _evaluate(program: str, count: int) -> tuple[list[int], list[tuple[str, Any]]]:
    view, store = FakeView(count), FakeMailstore()
    pairs = list(enumerate(view.uids, 1))
    found = asyncio.run(evaluate(store, view, _key(program), pairs))  # type: ignore[arg-type]
    return [uid for _, uid in found], store.asked


def test_from_reads_the_column_once_and_no_message() -> None:
    found, asked = _evaluate("FROM ANNA", 1000)
    assert found == list(range(1, 1001))
    assert asked == [("columns", ("from_",))]


def test_a_few_messages_read_their_parsed_structure_instead() -> None:
    found, asked = _evaluate("FROM anna", BULK - 1)
    assert found == list(range(1, BULK))
    assert [kind for kind, _ in asked] == ["details"]


def test_only_messages_the_cheap_keys_let_through_are_loaded() -> None:
    found, asked = _evaluate("UNSEEN BODY text", 300)
    unseen = list(range(2, 301, 2))
    assert found == unseen
    assert [uid for kind, uids in asked if kind == "raw" for uid in uids] == unseen


def test_saved_dollar_is_a_set_of_messages() -> None:
    view, store = FakeView(10), FakeMailstore()
    view.saved_uids = [3, 4, 99]
    pairs = list(enumerate(view.uids, 1))
    found = asyncio.run(evaluate(store, view, _key("$"), pairs))  # type: ignore[arg-type]
    assert found == [(3, 3), (4, 4)]


def test_among_looks_few_uids_up_and_filters_many() -> None:
    """What the index settled, placed among the view's messages: by lookup when few
    (no walk over a big mailbox for a rare word), by a filter when many; the same pairs,
    in message order, either way, and a UID the view does not have is left out."""
    from bisect import bisect_left

    from hato.imap.search_eval import _among

    uids = list(range(10, 1010, 10))  # 100 messages, UIDs 10..1000

    def seq(uid: int) -> int:
        at = bisect_left(uids, uid)
        return at + 1 if at < len(uids) and uids[at] == uid else 0

    view = SimpleNamespace(uids=uids, seq=seq)
    few = frozenset({990, 20, 15, 500})  # 15 is not in the view
    assert _among(view, None, few) == [(2, 20), (50, 500), (99, 990)]  # type: ignore[arg-type]
    many = frozenset(range(10, 1010, 20)) | {15}
    expected = [(n, uid) for n, uid in enumerate(uids, 1) if uid in many]
    assert _among(view, None, many) == expected  # type: ignore[arg-type]
    given = [(n, uid) for n, uid in enumerate(uids, 1)][:10]
    assert _among(view, given, few) == [(2, 20)]  # type: ignore[arg-type]
