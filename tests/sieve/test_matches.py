"""``:matches`` (RFC 5228 §2.7.1): wildcards, escapes, and the steps they cost.

Cases after the conformance cases of Pigeonhole's tests/match-types/matches.svtest,
written out here as (value, pattern, expected) with the pattern as the string's value
(Sieve's own escaping already undone).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hato.sieve._match import Budget, compile_wildcards, relation, wildcard_match

FROM = "stephan+sieve@friep.example.com"
BULL = "33333???a"
SCORE = "**********"
LOG = "Log for successful build of Dovecot."

CASES = [
    ("", "", True),
    ("", "*", True),
    ("", "?", False),
    (FROM, "*@fri*p*examp*.com", True),
    (FROM, "*@f*pex*mple.com", False),
    (FROM, "stephan+sieve@friep.*", True),
    (FROM, "stepan+sieve@friep.*", False),
    (FROM, "*+sieve@friep.example.com", True),
    (FROM, "*+sieve@friep.example.om", False),
    (FROM, "stephan+sieve?friep.example.com", True),
    (FROM, "stephan+sieve?fiep.example.com", False),
    (FROM, "?tephan+sieve@friep.example.com", True),
    (FROM, "?t?phan?sieve?fri?p.exampl?.co?", True),
    (FROM, "?t?phan?sieve?fiep.exam?le.co?", False),
    (BULL, "33333\\?\\?\\??", True),
    (BULL, "33333\\?\\?\\?", False),
    (BULL, "33333*\\?\\??", True),
    (BULL, "*\\?\\?\\?a", True),
    (BULL, "*3333\\?\\?\\?a", True),
    (BULL, "\\*3333\\?\\?\\?a", False),
    (BULL, "33333\\?\\?\\?aa", False),
    (BULL, "\\f3333\\?\\?\\?a", False),
    (SCORE, "\\*\\*\\*\\*\\**", True),
    (SCORE, "\\*" * 10, True),
    (SCORE, "\\*" * 11, False),
    (SCORE, "\\*\\*\\***\\*\\*", True),
    (SCORE, "\\*?" * 5, True),
    (SCORE, "\\*?" * 5 + "?", False),
    (LOG, "Log for *??????????? build of *", False),
    (LOG, "Log for *?????????? build of *", True),
    (LOG, "Log for *? build of *", True),
    (LOG, "Log for ???????????* build of *", False),
    (LOG, "Log for ??????????* build of *", True),
    (LOG, "Log for ?* build of *", True),
    ("X", "*?X", False),
    ("Slashy slash\\", "*slash\\", True),
    ("make your money very fast!!!", "* very fast!!", False),
]


@pytest.mark.parametrize(("value", "pattern", "expected"), CASES)
def test_conformance(value: str, pattern: str, expected: bool) -> None:
    found = wildcard_match(
        compile_wildcards(pattern, "i;ascii-casemap"), value, "i;ascii-casemap", Budget(10**6)
    )
    assert (found is not None) is expected


def _reference(pattern: str, value: str) -> bool:
    """The same language by Python's re (test only: patterns of a tiny alphabet)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


@settings(max_examples=500, deadline=None)
@given(st.text("ab*?", max_size=8), st.text("ab", max_size=12))
def test_agrees_with_a_reference_matcher(pattern: str, value: str) -> None:
    found = wildcard_match(compile_wildcards(pattern, "i;octet"), value, "i;octet", Budget(10**6))
    assert (found is not None) is _reference(pattern, value)
    if found is not None:
        wildcards = [c for c in pattern if c in "*?"]
        assert len(found) == len(wildcards)
        assert all(len(text) == 1 for text, c in zip(found, wildcards, strict=True) if c == "?")


@pytest.mark.parametrize(
    ("comparator", "value", "relation_", "key"),
    [
        # after Pigeonhole's tests/extensions/relational/comparators.svtest
        ("i;octet", "", "eq", ""),
        ("i;octet", "a", "gt", ""),
        ("i;octet", "ab", "gt", "a"),
        ("i;octet", "ba", "gt", "ab"),
        ("i;octet", "abcce", "lt", "abcd"),
        ("i;octet", "Z", "lt", "b"),
        ("i;ascii-casemap", "Z", "gt", "b"),
        ("i;ascii-casemap", "abcd", "eq", "ABCD"),
        ("i;ascii-numeric", "", "eq", ""),
        ("i;ascii-numeric", "a", "eq", "b"),
        ("i;ascii-numeric", "a", "ne", "0"),
        ("i;ascii-numeric", "0", "lt", "a"),
        ("i;ascii-numeric", "a", "gt", "0"),
        ("i;ascii-numeric", "0", "le", "a"),
        ("i;ascii-numeric", "65635", "gt", "65535"),
        ("i;ascii-numeric", "0", "eq", "000"),
        ("i;ascii-numeric", "02", "eq", "0002"),
        ("i;ascii-numeric", "2", "gt", "001"),
        ("i;ascii-numeric", "1", "lt", "002"),
    ],
)
def test_comparator_ordering(comparator: str, value: str, relation_: str, key: str) -> None:
    assert relation(relation_, value, key, comparator)
    opposite = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt"}
    assert not relation(opposite[relation_], value, key, comparator)
