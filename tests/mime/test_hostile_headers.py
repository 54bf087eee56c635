"""Header work that a hostile message drives, linear in its size: the base
subject of SORT and THREAD (RFC 5256 §2.1) and folded fields (RFC 5322 §2.2.3)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hato.mime import base_subject, is_reply_or_forward, parse_message
from hato.mime._headers import MAX_FIELDS, fields

_WSP_RUN = re.compile(r"[ \t\r\n]+")
_TRAILER = re.compile(r"(?:\(fwd\)| )+$", re.IGNORECASE)
_LEADER = re.compile(r"^(?:(?:\[[^\[\]]*\] *)*(?:re|fwd?) *(?:\[[^\[\]]*\] *)?:| )", re.I)
_BLOB = re.compile(r"^\[[^\[\]]*\] *")


def reference_base_subject(subject: str) -> str:
    """hato's former regex implementation, quadratic or worse on hostile subjects."""
    subject = _WSP_RUN.sub(" ", subject)
    while True:
        subject = _TRAILER.sub("", subject)
        while True:
            before = subject
            while match := _LEADER.match(subject):
                subject = subject[match.end() :]
            blob = _BLOB.match(subject)
            if blob and blob.end() < len(subject):
                subject = subject[blob.end() :]
            if subject == before:
                break
        if subject[:5].lower() == "[fwd:" and subject.endswith("]"):
            subject = subject[5:-1]
            continue
        return subject


_THREAD_TRAILER = re.compile(r"(?:\(fwd\)| )+$", re.IGNORECASE)
_THREAD_BLOB = r"\[[^\[\]]*\] ?"
_THREAD_REFWD = re.compile(rf"^((?:{_THREAD_BLOB})*)(?:re|fwd?) ?(?:{_THREAD_BLOB})?:", re.I)
_THREAD_LEADING_BLOB = re.compile(rf"^{_THREAD_BLOB}")


def reference_is_reply_or_forward(subject: str) -> bool:
    """hato.imap.threads' former copy of the steps, which only told whether a marker went."""
    text = _WSP_RUN.sub(" ", subject)
    found = False
    while True:
        trailer = _THREAD_TRAILER.search(text)
        if trailer:
            found = found or "(" in trailer.group()
            text = text[: trailer.start()]
        while True:
            before = text
            text = text.removeprefix(" ")
            leader = _THREAD_REFWD.match(text)
            if leader:
                found = True
                text = text[leader.end() :]
            blob = _THREAD_LEADING_BLOB.match(text)
            if blob and blob.end() < len(text):
                text = text[blob.end() :]
            if text == before:
                break
        if text[:5].lower() == "[fwd:" and text.endswith("]"):
            found = True
            text = text[5:-1]
            continue
        return found


TOKENS = [
    "re", "Re", "RE", "fw", "FWD", "fwd", "Fw", ":", " ", "  ", "\t", "\r\n ", "[", "]",
    "[fwd:", "[FWD:", "(fwd)", "(FWD)", "(", ")", "[x]", "[list] ", "x", "é", "İ", "K", "ſ",
    "\u212a", "\u0130", "ﬀ", "y z",
]  # fmt: skip
SUBJECT = st.lists(st.sampled_from(TOKENS), max_size=14).map("".join)


@settings(max_examples=3000, deadline=None)
@given(SUBJECT)
def test_base_subject_is_what_it_was(subject: str) -> None:
    assert base_subject(subject) == reference_base_subject(subject)
    assert is_reply_or_forward(subject) == reference_is_reply_or_forward(subject)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t[]():rRefFwWdD\u0130x", max_size=30))
def test_base_subject_on_characters(subject: str) -> None:
    assert base_subject(subject) == reference_base_subject(subject)
    assert is_reply_or_forward(subject) == reference_is_reply_or_forward(subject)


HOSTILE_SUBJECTS = [  # subject, base subject, whether a reply or forward marker came off
    ("[b] " * 50_000 + "x", "x", False),  # 16 s at 20,000 with the regexes
    ("[fwd: " * 50_000 + "x" + "]" * 50_000, "x", True),  # 27 s at 20,000
    ("[fwd:[a" + "b" * 100_000 + "]" * 100, "]" * 98, True),
    ("[fwd:" * 50_000 + "[a" + "b" * 100_000, "[fwd:" * 50_000 + "[a" + "b" * 100_000, False),
    ("x" + " (fwd) y" * 50_000, "x" + " (fwd) y" * 50_000, False),
    ("x" + " " * 100_000 + "(fwd)" * 50_000, "x", True),
    ("re: [a] " * 50_000 + "x", "x", True),
    ("re [" * 50_000 + "x", "re [" * 49_999 + "re [x", False),
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("subject", "base", "marked"), HOSTILE_SUBJECTS)
def test_hostile_subjects_are_linear(subject: str, base: str, marked: bool) -> None:
    assert base_subject(subject) == base
    assert is_reply_or_forward(subject) is marked


def reference_fields(block: bytes) -> list[tuple[str, bytes]]:
    """hato's former unfolding, which joined a field's lines one at a time."""
    out: list[tuple[str, bytes]] = []
    for line in block.split(b"\n"):
        if line[-1:] == b"\r":
            line = line[:-1]
        if not line:
            break
        if line[0] in (32, 9):
            if out:
                name, value = out[-1]
                out[-1] = (name, value + line if value else line.lstrip(b" \t"))
            continue
        colon = line.find(b":")
        if colon < 0:
            out.append((line.strip().decode("latin-1").lower(), b""))
            continue
        name = line[:colon].rstrip(b" \t").decode("latin-1").lower()
        out.append((name, line[colon + 1 :].lstrip(b" \t")))
    return out


HEADER_LINE = st.lists(
    st.sampled_from([b"To:", b"X", b" ", b"\t", b":", b"a", b" b", b"\r", b"\xe9", b"Subject :"]),
    max_size=6,
).map(b"".join)


@settings(max_examples=1000, deadline=None)
@given(st.lists(HEADER_LINE, max_size=8).map(b"\r\n".join))
def test_unfolding_is_what_it_was(block: bytes) -> None:
    assert fields(block) == reference_fields(block)


@pytest.mark.timeout(10)
def test_a_folded_field_of_200000_addresses_is_linear() -> None:
    """100,000 addresses folded one a line took ~10 s to unfold; 200,000 would take 40."""
    addresses = [b"user%d@example.org" % n for n in range(200_000)]
    raw = b"To: " + b",\r\n ".join(addresses) + b"\r\nSubject: x\r\n\r\nbody\r\n"
    info = parse_message(raw)
    assert len(info.envelope.to) == 200_000
    assert info.envelope.to[-1] == (None, None, "user199999", "example.org")
    assert info.columns.subject == "x"


def test_header_fields_parsed_at_the_limit_and_past_it() -> None:
    """A 50 MB header of tiny fields held millions of parsed fields in memory."""
    filler = b"X-Filler: x\r\n" * (MAX_FIELDS - 1)
    at_limit = parse_message(filler + b"Subject: seen\r\n\r\nbody\r\n")
    assert at_limit.columns.subject == "seen"
    past = parse_message(filler + b"X-Last: x\r\nSubject: unseen\r\n\r\nbody\r\n")
    assert past.columns.subject == ""
    assert len(fields(filler * 3)) == MAX_FIELDS
