"""LIST/LSUB wildcards (RFC 3501 §6.3.8) without backtracking, and the limits that
bound a LIST: the patterns' length and the number of mailboxes of an account."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hato.imap import names
from hato.imap.patterns import MAX_PATTERNS, NamePatterns, PatternTooLong
from hato.store import Credentials, Store, open_store
from tests.e2e.test_imap import created
from tests.imap.session_harness import session_lines

USER = "lister"


def reference_match(patterns: list[str], name: str) -> bool:
    """The regular expression hato used to build (fine for short test inputs)."""
    alternatives = [
        "".join(".*" if c == "*" else "[^.]*" if c == "%" else re.escape(c) for c in pattern)
        for pattern in patterns
    ]
    return re.fullmatch("(?:" + "|".join(alternatives) + ")", name, re.DOTALL) is not None


PATTERN = st.text(alphabet="ab.*%", max_size=10)
NAME = st.text(alphabet="ab.", max_size=14)


@settings(max_examples=400, deadline=None)
@given(patterns=st.lists(PATTERN, min_size=1, max_size=3), name=NAME)
def test_same_answers_as_the_regular_expression(patterns: list[str], name: str) -> None:
    assert NamePatterns(patterns).matches(name) == reference_match(patterns, name)


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("*", "", True),
        ("%", "a.b", False),
        ("a.%", "a.b", True),
        ("a.%", "a.b.c", False),
        ("a%*", "a.b.c", True),
        ("%%.%", "ab.c", True),
        ("", "", True),
        ("", "a", False),
        ("INBOX*", "INBOX.x", True),
    ],
)
def test_examples(pattern: str, name: str, expected: bool) -> None:
    assert NamePatterns([pattern]).matches(name) is expected


@pytest.mark.timeout(10)
def test_stars_that_made_the_regular_expression_backtrack() -> None:
    """Six stars against 100 characters took 13.5 s with the regex; eight against 200
    would take hours.  The automaton takes one pass over the name."""
    assert not NamePatterns(["*a*a*a*a*a*a*a*ab"]).matches("a" * 200)
    assert NamePatterns(["*a*a*a*a*a*a*a*ab"]).matches("a" * 200 + "b")


def test_pattern_length_at_the_limit_and_past_it() -> None:
    NamePatterns(["a" * MAX_PATTERNS])
    NamePatterns(["a*" * (MAX_PATTERNS // 2)])
    NamePatterns(["%*" * MAX_PATTERNS])  # a run of wildcards is one token
    NamePatterns(["a" * (MAX_PATTERNS // 2)] * 100)  # repeated patterns count once
    with pytest.raises(PatternTooLong):
        NamePatterns(["a" * (MAX_PATTERNS + 1)])
    with pytest.raises(PatternTooLong):
        NamePatterns(["a" * (MAX_PATTERNS // 2), "b" * (MAX_PATTERNS // 2 + 1)])


async def _prepared(tmp: Path) -> Store:
    store = open_store(tmp / "list.sqlite3")
    account = await store.create_account(USER, Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    for name in ("INBOX", "a", "a.b"):
        await mailstore.create_mailbox(name, subscribed=True)
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = asyncio.run(_prepared(tmp_path))
    yield opened
    asyncio.run(opened.close())


def session(store: Store, *commands: str) -> list[str]:
    return session_lines(store, USER, *commands)


def test_too_long_patterns_are_bad_and_the_session_goes_on(store: Store) -> None:
    at_limit = "*" + "a" * (MAX_PATTERNS - 1)
    lines = session(
        store,
        f't1 LIST "" "{at_limit}"',
        f't2 LIST "" "{at_limit}b"',
        f't3 LIST "" ("{"a" * 600}" "{"b" * 600}")',
        f't4 LSUB "{"x" * 600}" "{"y" * 600}"',
        't5 LIST "" "a.%"',
    )
    assert "t1 OK List completed." in lines
    assert "t2 BAD Error in IMAP command LIST: Mailbox patterns too long." in lines
    assert "t3 BAD Error in IMAP command LIST: Mailbox patterns too long." in lines
    assert "t4 BAD Error in IMAP command LSUB: Mailbox patterns too long." in lines
    assert '* LIST (\\HasNoChildren) "." "a.b"' in lines
    assert "t5 OK List completed." in lines


def test_mailboxes_at_the_limit_and_past_it(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(names, "MAX_MAILBOXES", 5)  # INBOX, a, a.b exist
    lines = session(
        store,
        "t1 CREATE c.d",  # c and c.d: five
        "t2 CREATE e",
        "t3 RENAME a.b f.g",  # f would be a sixth
        "t4 RENAME a.b c.e",
        't5 LIST "" "*"',
    )
    assert any(re.fullmatch(created("t1"), line) for line in lines)
    assert "t2 NO [LIMIT] Too many mailboxes (at most 5)." in lines
    assert "t3 NO [LIMIT] Too many mailboxes (at most 5)." in lines
    assert "t4 OK Rename completed." in lines
    assert sum(line.startswith("* LIST ") for line in lines) == 5


def test_subscriptions_past_the_limit(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A subscription outlives its mailbox, so subscribing counts subscriptions."""
    monkeypatch.setattr(names, "MAX_MAILBOXES", 4)  # INBOX, a, a.b exist and are subscribed
    lines = session(
        store, "t1 CREATE c", "t2 SUBSCRIBE c", "t3 DELETE c", "t4 CREATE d", "t5 SUBSCRIBE d",
        "t6 SUBSCRIBE a",
    )  # fmt: skip
    assert "t2 OK Subscribe completed." in lines
    assert any(re.fullmatch(created("t4"), line) for line in lines)
    assert "t5 NO [LIMIT] Too many mailboxes (at most 4)." in lines
    assert "t6 OK Subscribe completed." in lines
