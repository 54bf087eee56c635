"""hato.web.query: the search box's language into IMAP SEARCH keys."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hato.proto import imap as p
from hato.web.query import MAX_QUERY, MAX_TERMS, QueryError, parse_query


def test_every_name_becomes_its_imap_key() -> None:
    query = parse_query(
        'from:alice to:bob subject:"weekly report" is:unread before:2026-01-02 '
        'after:2025-12-01 has:attachment hello "two words"'
    )
    assert query.attachments
    assert query.key == p.SearchAnd(
        (
            p.SearchHeader("FROM", "alice"),
            p.SearchHeader("TO", "bob"),
            p.SearchHeader("SUBJECT", "weekly report"),
            p.SearchFlag("\\Seen", present=False),
            p.SearchDate("BEFORE", datetime.date(2026, 1, 2)),
            p.SearchDate("SINCE", datetime.date(2025, 12, 2)),
            p.SearchText("BODY", "hello"),
            p.SearchText("BODY", "two words"),
        )
    )


def test_nothing_is_everything() -> None:
    assert parse_query("   ") == parse_query("")
    assert parse_query("").key == p.SearchAll()


def test_an_unknown_name_is_a_word() -> None:
    assert parse_query("http://example.org").key == p.SearchText("BODY", "http://example.org")


def test_escapes_in_a_phrase() -> None:
    assert parse_query(r'subject:"say \"hi\""').key == p.SearchHeader("SUBJECT", 'say "hi"')


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('"open', "not closed"),
        ("is:sleeping", "is:unread"),
        ("has:pdf", "has:attachment"),
        ("before:yesterday", "YYYY-MM-DD"),
        ("after:2026-02-30", "YYYY-MM-DD"),
        ("from:", "needs something"),
        ('ab"c', "quotation mark"),
        ("x" * (MAX_QUERY + 1), "too long"),
        ("w " * (MAX_TERMS + 1), "too many"),
        ("a\x00b", "control"),
    ],
)
def test_what_is_no_query_is_refused_in_words(text: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        parse_query(text)


def read_or_refused(text: str) -> None:
    """A query gives an IMAP key, or a QueryError that says why: nothing else, ever."""
    try:
        query = parse_query(text)
    except QueryError as refused:
        assert str(refused)
    else:
        assert isinstance(query.key, p.SearchKey)


@given(st.text(max_size=300))
def test_any_text_is_a_query_or_refused_in_words(text: str) -> None:
    read_or_refused(text)


@given(st.lists(st.sampled_from(["from:", "to:", "is:", "has:", '"', "\\", " ", "a", ":"])))
def test_pieces_of_the_syntax_never_break_the_reader(pieces: list[str]) -> None:
    read_or_refused("".join(pieces))
