"""hato.mime.casemap: i;unicode-casemap's canonical form (RFC 5051 §2), simple titlecase
then NFKD, the form both sides of every SEARCH string match are compared in."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from hato.mime import casemap


def meets(key: str, text: str) -> bool:
    return casemap(key) in casemap(text)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("abc", "ABC"), ("ＡＢＣ", "abc"), ("abc", "ａｂｃ"),  # case, full width
        ("ｶﾅ", "カナ"), ("カナ", "ｶﾅ"),  # half-width katakana
        ("か", "が"), ("ハ", "パ"),  # a base letter is found in its voiced form (NFKD)
        ("äpfel", "ÄPFEL"), ("σίσυφος", "ΣΊΣΥΦΟΣ"),
        ("ǆ", "ǅ"), ("Ǆ", "ǆ"),  # the titlecase digraph is the meeting point
        ("①", "1"), ("㈱", "(株)"),  # compatibility decomposition
    ],
)  # fmt: skip
def test_folded(key: str, text: str) -> None:
    assert meets(key, text)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("ß", "SS"), ("SS", "ß"), ("ss", "Straße"),  # no full case mapping (str.upper's)
        ("FI", "ﬁ"), ("fi", "ﬁ"),  # ﬁ has no simple titlecase: it decomposes to "fi"
        ("あ", "ア"), ("ア", "あ"),  # hiragana and katakana stay apart
        ("が", "か"),  # the voiced form is not found in its base letter
    ],
)  # fmt: skip
def test_not_folded(key: str, text: str) -> None:
    assert not meets(key, text)


def test_each_character_is_its_simple_titlecase_decomposed() -> None:
    """Every code point of the planes that hold cased letters (0 and 1), one at a
    time: where Python's full titlecase is one character it is the simple one, else
    the character stays (then NFKD)."""
    for point in range(0x20000):
        if 0xD800 <= point <= 0xDFFF:
            continue
        char = chr(point)
        title = char.title() if len(char.title()) == 1 else char
        assert casemap(char) == unicodedata.normalize("NFKD", title), hex(point)


def test_no_character_past_plane_1_has_case() -> None:
    """casemap looks for exceptions in planes 0 and 1 only."""
    for point in range(0x20000, sys.maxunicode + 1):
        char = chr(point)
        assert char.upper() == char.title() == char.lower() == char, hex(point)


def test_text_is_mapped_as_its_characters_are() -> None:
    text = "Straße ǆemal ﬁnal ＡＢＣ ｶﾅ が Ⴀ ა"
    assert casemap(text) == unicodedata.normalize("NFKD", "".join(casemap(c) for c in text))
