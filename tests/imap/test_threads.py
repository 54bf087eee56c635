"""The THREAD algorithms (hato.imap.threads, RFC 5256 §3, §4) over stored keys:
ORDEREDSUBJECT, REFERENCES with Dovecot's choices, REFS, and the answer's syntax."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hato.imap import threads
from hato.imap.threads import (
    Forest,
    ThreadKeys,
    ordered_subject,
    references,
    refs,
    render,
)
from hato.mime import base_subject, is_reply_or_forward


@dataclass(frozen=True)
class Msg:
    """One message's stored keys; ``refs`` as stored (msg-ids joined by spaces)."""

    id: str | None = None
    refs: str = ""
    irt: str | None = None
    subject: str = ""
    date: int = 0


def keys_of(messages: Sequence[Msg]) -> ThreadKeys:
    return ThreadKeys(
        dates=[m.date for m in messages],
        subjects=[base_subject(m.subject).upper() for m in messages],
        message_ids=[m.id for m in messages],
        in_reply_to=[m.irt for m in messages],
        references=[m.refs for m in messages],
        raw_subjects=[m.subject for m in messages],
    )


def answer(algorithm: str, messages: Sequence[Msg], positions: Sequence[int] | None = None) -> str:
    """The ``* THREAD`` answer's lists, numbered by position + 1."""
    threads = {"ORDEREDSUBJECT": ordered_subject, "REFERENCES": references, "REFS": refs}
    wanted = range(len(messages)) if positions is None else positions
    forest = threads[algorithm](wanted, keys_of(messages))
    line = render(forest, lambda at: at + 1).decode()
    assert line.endswith("\r\n")
    return line.removesuffix("\r\n").removeprefix("* THREAD").strip()


# --- the answer's syntax (RFC 5256 §4) ------------------------------------------------


def test_render_rfc_example() -> None:
    forest = Forest([2, 3], {3: [6], 6: [4, 44], 4: [23], 44: [7], 7: [96]})
    assert render(forest, int) == b"* THREAD (2)(3 6 (4 23)(44 7 96))\r\n"


def test_render_nothing_and_dummies() -> None:
    assert render(Forest(), int) == b"* THREAD\r\n"
    assert render(Forest([-1], {-1: [0, 1]}), lambda at: at + 1) == b"* THREAD ((1)(2))\r\n"
    assert render(Forest([-1], {-1: [0], 0: [1]}), lambda at: at + 1) == b"* THREAD (1 2)\r\n"


def test_render_labels_are_uids() -> None:
    uids = [10, 20, 30]
    assert render(Forest([0], {0: [2, 1]}), uids.__getitem__) == b"* THREAD (10 (30)(20))\r\n"


# --- ORDEREDSUBJECT -------------------------------------------------------------------


def test_ordered_subject_groups_by_base_subject_and_orders_by_first_date() -> None:
    messages = [
        Msg(subject="Hello", date=100),
        Msg(subject="Re: hello", date=50),
        Msg(subject="World", date=200),
        Msg(subject="Fwd: Hello", date=300),
        Msg(subject="会議の件", date=10),
        Msg(subject="Re: 会議の件", date=20),
    ]
    assert answer("ORDEREDSUBJECT", messages) == "(5 6)(2 (1)(4))(3)"
    assert answer("ORDEREDSUBJECT", messages, [0, 2, 3]) == "(1 4)(3)"


def test_ordered_subject_ties_go_by_mailbox_order() -> None:
    messages = [Msg(subject=s, date=7) for s in ("b", "a", "Re: b", "a", "")]
    assert answer("ORDEREDSUBJECT", messages) == "(1 3)(2 4)(5)"


# --- REFERENCES: the imaptest scripts' cases (Dovecot's answers) -----------------------


def test_own_reference_replaces_parent_given_by_others() -> None:
    """imaptest "thread": c's own References (b) win over b's (a, c); b -> c would
    then loop, so c is a root and a stands alone."""
    messages = [
        Msg("<a@b>", date=1700),
        Msg("<b@b>", "<a@b> <c@b>", date=1500),
        Msg("<c@b>", "<b@b>", date=1600),
    ]
    assert answer("REFERENCES", messages) == "(3 2)(1)"
    assert answer("REFERENCES", messages, [1, 2]) == "(3 2)"


def test_a_message_without_references_is_a_root() -> None:
    """Dovecot: b's own (empty) References win over c's, which put it under a."""
    messages = [Msg("<c@x>", "<a@x> <b@x>"), Msg("<b@x>"), Msg("<a@x>")]
    assert answer("REFERENCES", messages) == "(2 1)(3)"
    # a parent given by others stays when the message's own claim agrees or loops
    agreeing = [Msg("<c@x>", "<a@x> <b@x>"), Msg("<b@x>", "<a@x>"), Msg("<a@x>")]
    assert answer("REFERENCES", agreeing) == "(3 2 1)"


def test_duplicate_message_ids() -> None:
    """imaptest thread2, thread3, thread7: a duplicate is a message without an id."""
    assert answer("REFERENCES", [Msg("<a@b>"), Msg("<a@b>")]) == "(1)(2)"
    same_subject = [Msg("<a@b>", subject="foo"), Msg("<a@b>", subject="Re: foo", date=1)]
    assert answer("REFERENCES", same_subject) == "(1 2)"
    messages = [Msg("<a@b>"), Msg("<b@b>", "<a@b>"), Msg("<c@b>", "<b@b>"), Msg("<b@b>", "<a@b>")]
    assert answer("REFERENCES", messages) == "(1 (2 3)(4))"
    # without the first <b@b>, the second one holds the id
    assert answer("REFERENCES", messages, [0, 2, 3]) == "(1 4 3)"


def test_missing_message_ids() -> None:
    """imaptest thread6: two messages without ids under one missing parent."""
    assert answer("REFERENCES", [Msg(None, "<a@b>"), Msg(None, "<a@b>", date=1)]) == "((1)(2))"
    assert answer("REFERENCES", [Msg(), Msg(), Msg(irt="<x@y>")]) == "(1)(2)(3)"


def test_in_reply_to_when_references_has_no_valid_id() -> None:
    messages = [Msg("<a@x>"), Msg("<b@x>", irt="<a@x>"), Msg("<c@x>", "<junk>", irt="<b@x>")]
    assert answer("REFERENCES", messages) == "(1 2 3)"
    # ids without "@" are not ids (Dovecot's message_id_get_next)
    assert answer("REFERENCES", [Msg("<foo>"), Msg("<b@x>", "<foo>")]) == "(1)(2)"


def test_expunged_parents_become_dummies() -> None:
    """imaptest thread5: children of missing messages, dummies pruned or kept."""
    messages = [
        Msg("<1@b>", date=2),
        Msg("<2@b>", irt="<1@b>"),
        Msg("<3@b>", irt="<1@b>"),
        Msg("<4@b>", irt="<2@b>"),
        Msg("<5@b>", irt="<2@b>"),
    ]
    assert answer("REFERENCES", messages, [0, 1, 2, 3]) == "(1 (2 4)(3))"
    assert answer("REFERENCES", messages, [2, 3]) == "(3)(4)"
    assert answer("REFERENCES", messages, [2, 3, 4]) == "(3)((4)(5))"


# --- REFERENCES: loops, dummies, subjects, order ---------------------------------------


def test_loops_in_references() -> None:
    two_way = [Msg("<a@x>", "<b@x>"), Msg("<b@x>", "<a@x>")]
    assert answer("REFERENCES", two_way) == "(2 1)"
    in_one_field = [Msg("<c@x>", "<a@x> <b@x> <a@x>")]
    assert answer("REFERENCES", in_one_field) == "(1)"
    assert answer("REFERENCES", [Msg("<a@x>", "<a@x>")]) == "(1)"
    three_way = [Msg("<a@x>", "<c@x>"), Msg("<b@x>", "<a@x>"), Msg("<c@x>", "<b@x>")]
    assert answer("REFERENCES", three_way) == "(3 1 2)"


def test_dummies_between_messages_vanish() -> None:
    messages = [Msg("<a@x>"), Msg("<c@x>", "<a@x> <b@x>"), Msg("<d@x>", "<a@x> <b@x> <e@x>")]
    assert answer("REFERENCES", messages) == "(1 (2)(3))"


def test_root_dummy_keeps_two_children_and_gives_way_to_one() -> None:
    messages = [
        Msg("<b@x>", "<a@x>", subject="one", date=20),
        Msg("<c@x>", "<a@x>", subject="two", date=10),
    ]
    assert answer("REFERENCES", messages) == "((2)(1))"
    assert answer("REFERENCES", messages, [0]) == "(1)"
    chain = [
        Msg("<b@x>", "<z@x> <a@x>", subject="one"),
        Msg("<c@x>", "<z@x> <a@x> <b@x>", subject="two"),
    ]
    assert answer("REFERENCES", chain) == "(1 2)"
    # imaptest thread4: promoted before subjects are gathered, so a message, not a dummy
    promoted = [Msg("<a@b>", subject="foo"), Msg("<b@b>", "<c@b>", subject="Re: foo", date=1)]
    assert answer("REFERENCES", promoted) == "(1 2)"


def test_subjects_gather_root_threads() -> None:
    reply_under_original = [Msg("<a@x>", subject="Hello"), Msg("<b@x>", subject="Re: hello")]
    assert answer("REFERENCES", reply_under_original) == "(1 2)"
    older_reply = [Msg("<a@x>", subject="Re: X", date=10), Msg("<b@x>", subject="X", date=20)]
    assert answer("REFERENCES", older_reply) == "(2 1)"
    two_originals = [Msg("<a@x>", subject="X"), Msg("<b@x>", subject="x", date=1)]
    assert answer("REFERENCES", two_originals) == "((1)(2))"
    # a [blob] alone does not make a reply
    blob = [Msg("<a@x>", subject="[ml] X"), Msg("<b@x>", subject="X", date=1)]
    assert answer("REFERENCES", blob) == "((1)(2))"
    japanese = [Msg("<a@x>", subject="Re: 会議の件"), Msg("<b@x>", subject="会議の件", date=1)]
    assert answer("REFERENCES", japanese) == "(2 1)"
    # empty base subjects are never gathered
    assert answer("REFERENCES", [Msg("<a@x>"), Msg("<b@x>", subject="Re: ")]) == "(1)(2)"


def test_subjects_gather_dummies() -> None:
    two_dummies = [
        Msg("<b@x>", "<a@x>", subject="S", date=1),
        Msg("<c@x>", "<a@x>", subject="Re: S", date=2),
        Msg("<e@x>", "<d@x>", subject="Re: S", date=3),
        Msg("<f@x>", "<d@x>", subject="S", date=4),
    ]
    assert answer("REFERENCES", two_dummies) == "((1)(2)(3)(4))"
    message_and_dummy = [
        Msg("<m@x>", subject="S", date=0),
        Msg("<b@x>", "<a@x>", subject="Re: S", date=1),
        Msg("<c@x>", "<a@x>", subject="Re: S", date=2),
    ]
    assert answer("REFERENCES", message_and_dummy) == "((1)(2)(3))"


def test_order_by_date_ties_by_mailbox_order() -> None:
    messages = [
        Msg("<a@x>", subject="one", date=30),
        Msg("<b@x>", "<a@x>", subject="Re: one", date=50),
        Msg("<c@x>", "<a@x>", subject="Re: one", date=40),
        Msg("<d@x>", subject="two", date=30),
        Msg("<e@x>", subject="three", date=20),
    ]
    assert answer("REFERENCES", messages) == "(5)(1 (3)(2))(4)"


# --- REFS ------------------------------------------------------------------------------


def test_refs_orders_threads_by_latest_message_and_ignores_subjects() -> None:
    messages = [
        Msg("<a@x>", subject="S", date=10),
        Msg("<b@x>", subject="Re: S", date=20),
        Msg("<c@x>", "<a@x>", subject="Re: S", date=30),
    ]
    assert answer("REFS", messages) == "(2)(1 3)"
    assert answer("REFERENCES", messages) == "(1 (2)(3))"


def test_refs_dummies() -> None:
    messages = [
        Msg("<m@x>", date=5),
        Msg("<b@x>", "<a@x>", date=5),
        Msg("<c@x>", "<a@x>", date=1),
        Msg("<d@x>", "<z@x>", date=9),
    ]
    # the dummy's thread (latest 5) goes before the message at 5, children by date
    assert answer("REFS", messages) == "((3)(2))(1)(4)"


# --- depth: nothing is recursive --------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["REFERENCES", "REFS"])
def test_deep_chain(algorithm: str) -> None:
    depth = 5000
    assert sys.getrecursionlimit() < depth
    ids = [f"<c{n}@x>" for n in range(depth)]
    chain = [
        Msg(ids[n], " ".join(ids[max(0, n - 3) : n]), ids[n - 1] if n else None, "Re: deep", n)
        for n in range(depth)
    ]
    expected = "(" + " ".join(str(n + 1) for n in range(depth)) + ")"
    assert answer(algorithm, chain) == expected
    backwards = chain[::-1]  # replies delivered before what they answer
    assert (
        answer(algorithm, backwards) == "(" + " ".join(str(depth - n) for n in range(depth)) + ")"
    )


def test_deep_chain_delivered_interleaved() -> None:
    """Every other message backwards, then the rest: each link joins long fragments."""
    depth = 5000
    order = [*range(depth - 2, -1, -2), *range(1, depth, 2)]
    chain = [Msg(f"<c{n}@x>", irt=f"<c{n - 1}@x>" if n else None, date=n) for n in order]
    expected = " ".join(str(order.index(n) + 1) for n in range(depth))
    assert answer("REFERENCES", chain) == f"({expected})"


def test_deep_chain_of_missing_messages() -> None:
    ids = " ".join(f"<gone{n}@x>" for n in range(5000))
    messages = [Msg(f"<m{n}@x>", ids, subject=str(n), date=n) for n in range(50)]
    assert answer("REFERENCES", messages) == "(" + "".join(f"({n + 1})" for n in range(50)) + ")"


# --- replies and forwards ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: x", True),
        (" re: x", True),
        ("Fw: x", True),
        ("FWD:x", True),
        ("re [blob]: x", True),
        ("[ml] Re: x", True),
        ("x (fwd)", True),
        ("[Fwd: x]", True),
        ("x", False),
        ("[ml] x", False),
        ("Re x", False),
        ("Ad: x", False),
        ("", False),
        ("Re: 会議", True),
        ("会議 (fwd)", True),
    ],
)
def test_is_reply_or_forward(subject: str, expected: bool) -> None:
    assert is_reply_or_forward(subject) is expected


# --- properties ----------------------------------------------------------------------------

_IDS = st.sampled_from(["<a@x>", "<b@x>", "<c@x>", "<d@x>", "<e@x>", "<bad>"])
_MESSAGES = st.lists(
    st.builds(
        Msg,
        st.none() | _IDS,
        st.lists(_IDS, max_size=4).map(" ".join),
        st.none() | _IDS,
        st.sampled_from(["", "S", "Re: S", "T", "[ml] T", "Fwd: T"]),
        st.integers(0, 5),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(_MESSAGES, st.data())
def test_every_match_appears_once(messages: list[Msg], data: st.DataObject) -> None:
    positions = sorted(data.draw(st.sets(st.integers(0, max(0, len(messages) - 1)))))
    positions = [at for at in positions if at < len(messages)]
    for algorithm in ("ORDEREDSUBJECT", "REFERENCES", "REFS"):
        text = answer(algorithm, messages, positions)
        numbers = sorted(int(n) for n in re.findall(r"\d+", text))
        assert numbers == [at + 1 for at in positions], (algorithm, text)
        depth = 0
        for char in text:
            depth += {"(": 1, ")": -1}.get(char, 0)
            assert depth >= 0, text
        assert depth == 0, text
        assert "()" not in text and "( " not in text and " )" not in text, text


class _WalkingLinks(threads._Links):
    """The loop check without remembered roots: a walk up the parents."""

    def _root(self, node: int) -> int:
        while self.parent[node] != threads.NONE:
            node = self.parent[node]
        return node


_TANGLED = st.lists(
    st.builds(
        Msg,
        st.none() | _IDS,
        st.lists(_IDS, max_size=5).map(" ".join),
        st.none() | _IDS,
        st.sampled_from(["", "S", "Re: S"]),
        st.integers(0, 3),
    ),
    max_size=16,
)


@settings(max_examples=300, deadline=None)
@given(_TANGLED)
def test_remembered_roots_match_walking_up(messages: list[Msg]) -> None:
    """Loops, cuts (own References overriding others') and links in any order."""
    expected = {}
    original = threads._Links
    threads._Links = _WalkingLinks  # type: ignore[misc]
    try:
        for algorithm in ("REFERENCES", "REFS"):
            expected[algorithm] = answer(algorithm, messages)
    finally:
        threads._Links = original  # type: ignore[misc]
    for algorithm in ("REFERENCES", "REFS"):
        assert answer(algorithm, messages) == expected[algorithm]
