"""hato.mime snippet: white space collapsed, control and format characters left out,
at most SNIPPET_CHARS characters, whichever way the text is made."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from hato.mime import parse_message, snippet
from hato.mime._display import SNIPPET_CHARS


def _reference(text: str) -> str:
    """The rule spelled out: words joined by one space, then every character but the
    control (Cc) and format (Cf) ones, cut at SNIPPET_CHARS."""
    words = " ".join(text.split())
    kept = [c for c in words if unicodedata.category(c) not in ("Cc", "Cf")]
    return "".join(kept[:SNIPPET_CHARS])


def _snippet_of(text: str) -> str:
    raw = b"Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode()
    return snippet(raw, parse_message(raw))


_PIECES = st.sampled_from(
    ["word", "語", " ", "\t", "\u3000", "\x07", "\u200b", "\ufeff", "\u00ad", "\ue000", "é"]
)


@given(st.lists(_PIECES, max_size=400))
def test_as_the_rule_says(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _snippet_of(text) == _reference(text)


def test_a_format_character_past_the_cut_changes_nothing_and_one_before_it_is_left_out() -> None:
    plain = "x" * (SNIPPET_CHARS + 10)
    assert _snippet_of(plain) == "x" * SNIPPET_CHARS
    marked = "\u200b" + plain
    assert _snippet_of(marked) == "x" * SNIPPET_CHARS


_SPARSE = st.sampled_from(["word", "語", " " * 300, "\r\n" * 200, "\x07", "é" * 40])


@given(st.lists(_SPARSE, max_size=10))  # at most 4,000 octets: within what a snippet reads
def test_long_white_space_is_collapsed_before_the_cut(pieces: list[str]) -> None:
    """The head is collapsed a prefix at a time (doubling): runs of white space longer
    than the snippet put the cut past the first prefixes. (A snippet is made of the part's
    first SNIPPET_OCTETS only, so the texts stay within them, as the rule's reference
    reads the whole text.)"""
    text = "".join(pieces)
    assert _snippet_of(text) == _reference(text)
