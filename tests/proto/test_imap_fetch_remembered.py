"""FETCH's arguments are parsed once for each distinct text, and the memory of them is
bounded (hato.proto.imap._fetch.remembered_arguments)."""

from __future__ import annotations

import pytest

from hato.proto.imap import Fetch, FetchAttr, ParseError, Section, Utf8Mode, parse_command
from hato.proto.imap._fetch import (
    REMEMBERED_ARGUMENTS,
    REMEMBERED_LENGTH,
    remembered_arguments,
)


@pytest.fixture(autouse=True)
def _forgotten() -> None:
    remembered_arguments.cache_clear()


def _fetch(line: bytes, **options: object) -> Fetch:
    command = parse_command(line, **options)  # type: ignore[arg-type]
    assert isinstance(command, Fetch), command
    return command


def test_the_same_items_again_are_not_parsed_again() -> None:
    first = _fetch(b"a FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (Subject From)]<0.100>)")
    second = _fetch(b"b FETCH 2 (FLAGS BODY.PEEK[HEADER.FIELDS (Subject From)]<0.100>)")
    assert remembered_arguments.cache_info().hits == 1
    assert (first.tag, second.tag) == ("a", "b")
    assert first.sequence_set != second.sequence_set
    assert first.items is second.items
    assert second.items[1] == FetchAttr(
        "BODY", Section((), "HEADER.FIELDS", ("SUBJECT", "FROM")), (0, 100), peek=True
    )


def test_uid_fetch_of_the_same_text_has_uid_added() -> None:
    plain = _fetch(b"a FETCH 1 FLAGS")
    with_uid = _fetch(b"a UID FETCH 1 FLAGS")
    assert [item.name for item in plain.items] == ["FLAGS"]
    assert [item.name for item in with_uid.items] == ["UID", "FLAGS"]


def test_modifiers_are_part_of_the_text() -> None:
    changed = _fetch(b"a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 7 VANISHED)")
    again = _fetch(b"a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 8 VANISHED)")
    assert (changed.changedsince, changed.vanished) == (7, True)
    assert (again.changedsince, again.vanished) == (8, True)
    assert [item.name for item in again.items] == ["UID", "FLAGS", "MODSEQ"]


def test_a_refused_text_is_refused_every_time_and_not_kept() -> None:
    for _ in range(3):
        refused = parse_command(b"a FETCH 1 (FLAGS) (VANISHED)")
        assert isinstance(refused, ParseError)
        expected = "Error in IMAP command FETCH: VANISHED used without UID and CHANGEDSINCE."
        assert refused.text == expected
    assert remembered_arguments.cache_info().currsize == 0


def test_the_memory_is_bounded() -> None:
    for number in range(REMEMBERED_ARGUMENTS * 4):
        _fetch(b"a FETCH 1 BODY.PEEK[HEADER.FIELDS (X-%d)]" % number)
    assert remembered_arguments.cache_info().currsize == REMEMBERED_ARGUMENTS


def test_a_long_text_is_parsed_but_not_kept() -> None:
    names = b" ".join(b"X-FIELD-%d" % n for n in range(60))
    line = b"a FETCH 1 BODY.PEEK[HEADER.FIELDS (" + names + b")]"
    assert len(line) > REMEMBERED_LENGTH
    fetch = _fetch(line)
    assert fetch.items[0].section is not None
    assert len(fetch.items[0].section.fields) == 60
    assert remembered_arguments.cache_info().currsize == 0


def test_the_session_utf8_mode_is_part_of_the_key() -> None:
    _fetch(b"a FETCH 1 FLAGS")
    _fetch(b"a FETCH 1 FLAGS", utf8=Utf8Mode.ACCEPT)
    assert remembered_arguments.cache_info().currsize == 2
