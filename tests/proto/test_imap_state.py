"""Sequence sets, the state table and the public surface."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hato.proto import imap
from hato.proto.imap import (
    STAR,
    STATE_TABLE,
    Command,
    Outcome,
    SequenceSet,
    State,
    allowed,
    format_sequence,
    next_state,
    outcome_of_failure,
    parse_command,
    refusal,
)

PACKAGE = Path(imap.__file__).parent


def parse(line: str) -> Command:
    result = parse_command(line.encode())
    assert isinstance(result, Command), result
    return result


def test_sequence_set_resolution() -> None:
    s = SequenceSet(((1, 3), (5, STAR), (2, 2)))
    assert s.normalized(10) == [(1, 3), (5, 10)]
    assert s.select_uids(range(1, 7)) == [1, 2, 3, 5, 6]  # numbers of 6 messages
    assert s.contains(7, 10) and not s.contains(4, 10)
    assert str(s) == "1:3,5:*,2"
    reversed_star = SequenceSet(((STAR, 5),))
    assert reversed_star.normalized(3) == [(3, 5)]
    assert reversed_star.highest_explicit() == 5


def test_uid_selection_with_star_beyond_largest() -> None:
    """RFC 3501 §6.4.8: "UID 100:*" names the last message even when it is below 100."""
    uids = [3, 7, 9, 20]
    assert SequenceSet(((100, STAR),)).select_uids(uids) == [20]
    assert SequenceSet(((4, 9), (1, 3))).select_uids(uids) == [3, 7, 9]
    assert SequenceSet(((1, STAR),)).select_uids([]) == []


@given(st.sets(st.integers(1, 500)))
def test_format_round_trip(values: set[int]) -> None:
    text = format_sequence(values)
    if not values:
        assert text == ""
        return
    fetch = parse(f"a uid fetch {text} flags")
    assert set(fetch.sequence_set.select_uids(sorted(values))) == values  # type: ignore[attr-defined]
    assert set(fetch.sequence_set.select_uids(range(1, 501))) == values  # type: ignore[attr-defined]


def test_state_table() -> None:
    nonauth, auth, selected = State.NOT_AUTHENTICATED, State.AUTHENTICATED, State.SELECTED
    assert allowed(parse("a login u p"), nonauth) and not allowed(parse("a login u p"), auth)
    assert allowed(parse("a capability"), selected) and not allowed(parse("a noop"), State.LOGOUT)
    assert allowed(parse("a examine x"), auth) and allowed(parse("a list x y"), selected)
    assert not allowed(parse("a fetch 1 flags"), auth)
    assert allowed(parse("a uid fetch 1 flags"), selected)
    assert refusal(parse("a select x"), nonauth).to_bytes() == (
        b"a BAD Error in IMAP command received by server.\r\n"
    )
    assert refusal(parse("a fetch 1 flags"), auth).to_bytes() == b"a BAD No mailbox selected.\r\n"
    assert refusal(parse("a login u p"), auth).to_bytes() == (
        b"a BAD Error in IMAP command LOGIN: Unknown command.\r\n"
    )


def test_every_command_class_is_in_the_table() -> None:
    classes = {value for value in vars(imap).values() if isinstance(value, type)}
    commands = {cls for cls in classes if issubclass(cls, Command) and cls is not Command}
    assert commands == set(STATE_TABLE)


def test_public_surface() -> None:
    assert sorted(imap.__all__) == sorted(set(imap.__all__))
    for name in imap.__all__:
        assert hasattr(imap, name), name


def test_no_io_imports() -> None:
    forbidden = {"asyncio", "socket", "ssl", "sqlite3", "selectors"}
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = {node.module.split(".")[0]}
            else:
                continue
            assert not names & forbidden, (path.name, names)


@pytest.mark.parametrize(
    ("state", "outcome", "after"),
    [
        (State.NOT_AUTHENTICATED, Outcome.LOGGED_IN, State.AUTHENTICATED),
        (State.AUTHENTICATED, Outcome.SELECTED, State.SELECTED),
        (State.SELECTED, Outcome.SELECTED, State.SELECTED),
        (State.SELECTED, Outcome.DESELECTED, State.AUTHENTICATED),
        (State.AUTHENTICATED, Outcome.DESELECTED, State.AUTHENTICATED),
        (State.NOT_AUTHENTICATED, Outcome.LOGGED_OUT, State.LOGOUT),
        (State.SELECTED, Outcome.LOGGED_OUT, State.LOGOUT),
    ],
)
def test_moves_of_rfc_3501_section_3(state: State, outcome: Outcome, after: State) -> None:
    assert next_state(state, outcome) == after


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        (State.NOT_AUTHENTICATED, Outcome.SELECTED),
        (State.AUTHENTICATED, Outcome.LOGGED_IN),
        (State.LOGOUT, Outcome.LOGGED_IN),
        (State.LOGOUT, Outcome.LOGGED_OUT),
    ],
)
def test_moves_the_diagram_does_not_have_are_refused(state: State, outcome: Outcome) -> None:
    with pytest.raises(ValueError, match="no move"):
        next_state(state, outcome)


def test_a_failed_select_deselects() -> None:
    """RFC 3501 §6.3.1: after a SELECT that fails, no mailbox is selected."""
    assert outcome_of_failure(parse("a select x")) is Outcome.DESELECTED
    assert outcome_of_failure(parse("a examine x")) is Outcome.DESELECTED
    assert outcome_of_failure(parse("a create x")) is None
