"""The i;unicode-casemap comparator's canonical form (RFC 5051 §2).

RFC 5051 §2 maps each character to its *simple* titlecase (UnicodeData.txt's
field 14: one character for one) and then decomposes the string fully with
compatibility mappings (NFKD). So full-width "ＡＢＣ" and "abc" meet, half-width
"ｶﾅ" meets "カナ", and "が" decomposes to "か" and a combining mark (so "か" is
a substring of it); hiragana and katakana stay apart, as do "ß" and "SS"
(Python's ``str.upper`` uses the full mappings of SpecialCasing.txt, which turn
"ß" into "SS" and "ﬁ" into "FI": the comparator does not).

Python exposes the full mappings only. Where a character's full titlecase is
one character, it is the simple titlecase (SpecialCasing.txt only lists
mappings of several characters, or conditional ones Python does not apply);
where it is several, the character has no simple titlecase and maps to itself.
Most text needs no exceptions: ``str.upper`` gives the same result for every
character but the few (ß, ligatures, the Georgian letters, the titlecase
digraphs ǅ ǈ ǋ ǲ ...) whose simple titlecase differs from their full upper
case; those are found once, on first use, and mapped by a table.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = ["casemap"]


def casemap(value: str) -> str:
    """``value`` in i;unicode-casemap's canonical form: simple titlecase, then NFKD."""
    if value.isascii():
        return value.upper()
    titles, special = _exceptions()
    pieces = special.split(value)  # other text, then one exception, alternately
    pieces[0::2] = [piece.upper() for piece in pieces[0::2]]
    pieces[1::2] = [titles[char] for char in pieces[1::2]]
    return unicodedata.normalize("NFKD", "".join(pieces))


def _simple_titlecase(char: str) -> str:
    title = char.title()
    return title if len(title) == 1 else char


#: The code points below this are the ones with case mappings (planes 0 and 1; a test
#: checks that no character above has one).
_CASED_PLANES = 0x20000


@cache
def _exceptions() -> tuple[dict[str, str], re.Pattern[str]]:
    """The characters whose simple titlecase is not ``str.upper``'s answer (found
    once, in a tenth of a second): their titlecase, and a pattern that splits text
    around them. Only planes 0 and 1 hold letters with case."""
    titles = {}
    for point in range(_CASED_PLANES):
        if 0xD800 <= point <= 0xDFFF:
            continue
        char = chr(point)
        title = _simple_titlecase(char)
        if title != char.upper():
            titles[char] = title
    alternatives = "".join(re.escape(char) for char in titles)
    return titles, re.compile(f"([{alternatives}])")
