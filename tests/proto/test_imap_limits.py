"""Limits on what one IMAP command may make the server work through:
each at the limit (accepted) and past it (BAD, and the reader stays in step)."""

from __future__ import annotations

import pytest

from hato.proto.imap import (
    Append,
    ContinuationNeeded,
    Event,
    Fetch,
    ImapReader,
    Noop,
    ParseError,
    Search,
    SequenceSet,
    Sort,
    Store,
    parse_command,
)
from hato.proto.imap._fetch import MAX_FETCH_ITEMS, MAX_SECTION_PARTS
from hato.proto.imap._flags import MAX_FLAGS
from hato.proto.imap._grammar_search import MAX_SORT_CRITERIA
from hato.proto.imap._reader import MAX_ARGUMENTS
from hato.proto.imap._search import MAX_SEARCH_KEYS
from hato.proto.imap._seqset import MAX_RANGES


def events(reader: ImapReader, data: bytes) -> list[Event]:
    reader.receive_data(data)
    found = []
    while (event := reader.next_event()) is not None:
        found.append(event)
    return found


def bad(line: str) -> str:
    result = parse_command(line.encode())
    assert isinstance(result, ParseError), result
    return result.to_bytes().decode()


def test_search_keys_at_the_limit_and_past_it() -> None:
    keys = " ".join(["SEEN"] * (MAX_SEARCH_KEYS - 2) + ["OR (ALL) NOT DRAFT"])
    assert isinstance(parse_command(f"a SEARCH {keys}".encode()), Search)
    assert bad(f"a SEARCH {keys} SEEN") == (
        "a BAD Error in IMAP command SEARCH: Too many search keys.\r\n"
    )
    assert bad(f"a UID THREAD REFERENCES UTF-8 {keys} SEEN").startswith("a BAD ")


def test_sort_criteria_at_the_limit_and_past_it() -> None:
    criteria = " ".join(["REVERSE DATE"] * MAX_SORT_CRITERIA)
    assert isinstance(parse_command(f"a SORT ({criteria}) UTF-8 ALL".encode()), Sort)
    assert bad(f"a SORT ({criteria} SIZE) UTF-8 ALL") == (
        "a BAD Error in IMAP command SORT: Too many sort criteria.\r\n"
    )


def test_fetch_items_at_the_limit_and_past_it() -> None:
    items = " ".join(f"BODY.PEEK[{n}]" for n in range(1, MAX_FETCH_ITEMS + 1))
    fetch = parse_command(f"a FETCH 1 ({items})".encode())
    assert isinstance(fetch, Fetch) and len(fetch.items) == MAX_FETCH_ITEMS
    assert bad(f"a FETCH 1 ({items} UID)") == (
        "a BAD Error in IMAP command FETCH: Too many FETCH items.\r\n"
    )


def test_header_fields_at_the_limit_and_past_it() -> None:
    names = " ".join(f"X-{n}" for n in range(MAX_FETCH_ITEMS))
    fetch = parse_command(f"a FETCH 1 BODY[HEADER.FIELDS ({names})]".encode())
    assert isinstance(fetch, Fetch) and fetch.items[0].section is not None
    assert len(fetch.items[0].section.fields) == MAX_FETCH_ITEMS
    assert bad(f"a FETCH 1 BODY[HEADER.FIELDS ({names} X)]") == (
        "a BAD Error in IMAP command FETCH: Too many header fields.\r\n"
    )


def test_section_parts_at_the_limit_and_past_it() -> None:
    """Each number of a section is a step for every message fetched."""
    path = ".".join(["1"] * MAX_SECTION_PARTS)
    fetch = parse_command(f"a FETCH 1:* (BODY.PEEK[{path}.MIME] BODY[{path}])".encode())
    assert isinstance(fetch, Fetch) and fetch.items[0].section is not None
    assert len(fetch.items[0].section.part) == MAX_SECTION_PARTS
    for item in (f"BODY[{path}.1]", f"BODY.PEEK[{path}.1.TEXT]"):
        assert bad(f"a FETCH 1 {item}") == (
            "a BAD Error in IMAP command FETCH: Section part too deep.\r\n"
        )


def test_flags_at_the_limit_and_past_it() -> None:
    flags = " ".join(f"k{n}" for n in range(MAX_FLAGS))
    for line in (f"a STORE 1 +FLAGS ({flags})", f"a STORE 1 +FLAGS {flags}"):
        store = parse_command(line.encode())
        assert isinstance(store, Store) and len(store.flags) == MAX_FLAGS
        assert bad(line.replace("k0", "k0 \\Seen")) == (
            "a BAD Error in IMAP command STORE: Too many flags.\r\n"
        )
    append = parse_command(f"a APPEND INBOX ({flags}) {{1+}}\r\nx".encode())
    assert isinstance(append, Append) and len(append.messages[0].flags) == MAX_FLAGS
    assert bad(f"a APPEND INBOX ({flags} x) {{1+}}\r\nx").startswith("a BAD ")


def test_sequence_set_ranges_at_the_limit_and_past_it() -> None:
    ranges = ",".join(["7"] * MAX_RANGES)
    fetch = parse_command(f"a UID FETCH {ranges} FLAGS".encode())
    assert isinstance(fetch, Fetch) and len(fetch.sequence_set.ranges) == MAX_RANGES
    assert bad(f"a UID FETCH {ranges},8 FLAGS") == (
        "a BAD Error in IMAP command UID FETCH: "
        f"Too many ranges in a sequence set (at most {MAX_RANGES}).\r\n"
    )


@pytest.mark.timeout(20)
def test_membership_is_a_binary_search() -> None:
    """It walked every range for every message: MAX_RANGES ranges against 200,000
    messages took minutes."""
    numbers = SequenceSet(tuple((n, n) for n in range(2, 2 * MAX_RANGES + 2, 2)))
    found = [n for n in range(1, 200_001) if numbers.contains(n, 200_000)]
    assert found == list(range(2, 2 * MAX_RANGES + 2, 2))
    assert SequenceSet(((5, 0),)).contains(200_000, 200_000)
    assert not SequenceSet(((5, 0),)).contains(4, 200_000)


def test_a_command_other_than_append_holds_at_most_a_mebibyte() -> None:
    reader = ImapReader()
    head = b"a SEARCH BODY {%d}\r\n"
    at_limit = MAX_ARGUMENTS - len(head % MAX_ARGUMENTS) + 2  # CRLF does not count
    found = events(reader, head % at_limit)
    assert found == [ContinuationNeeded("a", at_limit)]
    found = events(reader, b"x" * at_limit + b"\r\n")
    assert len(found) == 1 and isinstance(found[0], Search)
    over = at_limit + 1
    assert events(reader, head % over) == [
        ParseError("a", "NO", "Literal size too large.", "TOOBIG")
    ]
    assert events(reader, b"b NOOP\r\n") == [Noop("b")]


def test_append_may_hold_more() -> None:
    reader = ImapReader(max_literal=4 * MAX_ARGUMENTS)
    size = 2 * MAX_ARGUMENTS
    assert events(reader, b"a APPEND INBOX {%d}\r\n" % size) == [ContinuationNeeded("a", size)]


@pytest.mark.timeout(20)
def test_many_literals_cost_linear_time() -> None:
    """Each literal header summed every part held so far: 80,000 empty literals took
    minutes.  Now the command is read in one pass, and refused for its keys."""
    data = b"a SEARCH ALL" + b" BODY {0+}\r\n" * 80_000 + b" ALL\r\n"
    assert events(ImapReader(), data) == [
        ParseError("a", "BAD", "Error in IMAP command SEARCH: Too many search keys.")
    ]
