"""``machine-dependent-chars``: characters Windows (CP932) has and JIS X 0208 lacks.

The set is derived from the codecs: every character CP932 encodes as a double-byte code that
is not a JIS X 0208 code (NEC special characters in row 13, NEC-selected IBM extensions,
IBM extensions and the user-defined area), and that ISO-2022-JP cannot encode either. The
second test keeps characters whose only difference is the Unicode mapping of a JIS code
(～ U+FF5E for 〜, － U+FF0D for −): those travel fine as ISO-2022-JP.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import cache

from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule
from hato.manners.rules._text import hits_for, unique_chars

_LEAD_BYTES = (*range(0x81, 0xA0), *range(0xE0, 0xFD))
_TRAIL_BYTES = (*range(0x40, 0x7F), *range(0x80, 0xFD))


def _is_jis_x0208(char: str) -> bool:
    """Tell whether *char* has a JIS X 0208 code (directly, or via its CP932 bytes)."""
    try:
        char.encode("iso2022_jp")
        return True
    except UnicodeEncodeError:
        pass
    try:
        char.encode("cp932").decode("shift_jis")
        return True
    except UnicodeError:
        return False


@cache
def machine_dependent_chars() -> frozenset[str]:
    """Return every CP932 character that JIS X 0208 lacks."""
    found: set[str] = set()
    for lead in _LEAD_BYTES:
        for trail in _TRAIL_BYTES:
            try:
                char = bytes((lead, trail)).decode("cp932")
            except UnicodeDecodeError:
                continue
            if not _is_jis_x0208(char):
                found.add(char)
    return frozenset(found)


def describe(char: str) -> str:
    """Name a character: ``① U+2460 CIRCLED DIGIT ONE``."""
    name = unicodedata.name(char, "PRIVATE USE (外字)")
    return f"{char} U+{ord(char):04X} {name}"


def replacement(char: str) -> str | None:
    """Suggest portable text for *char*: ① -> (1), ㈱ -> (株), Ⅳ -> IV; None if none."""
    plain = unicodedata.normalize("NFKC", char)
    if plain == char or not all(_is_jis_x0208(c) or c.isascii() for c in plain):
        return None
    if unicodedata.name(char, "").startswith(("CIRCLED DIGIT", "CIRCLED NUMBER")):
        return f"({plain})"
    return plain


def _found(text: str) -> str:
    """The machine-dependent characters of *text*, once each."""
    return unique_chars(text, machine_dependent_chars().__contains__)


def explain(where: Text, chars: str) -> Text:
    """Explain the machine-dependent *chars* found in *where*, naming each one."""
    names = "、".join(describe(c) for c in chars)
    fixes = [f"{c} → {fix}" for c in chars if (fix := replacement(c))]
    ja_fix = f"(例: {'、'.join(fixes)})" if fixes else ""
    en_fix = f" (e.g. {', '.join(fixes)})" if fixes else ""
    return Text(
        f"{where.ja}に機種依存文字があります: {names}。JIS X 0208(JIS コード)にない "
        "Windows 独自の文字で、相手の環境では表示されないか別の文字に化けます。"
        f"どの環境でも読める文字で書き換えてください{ja_fix}。",
        f"Machine-dependent characters in {where.en}: {', '.join(describe(c) for c in chars)}. "
        "They exist in Windows code page 932 but not in JIS X 0208 (JIS code), so the "
        "reader may see nothing or a different character. Write them with characters every "
        f"system has{en_fix}.",
    )


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Find machine-dependent characters in the Subject and each body line."""
    return hits_for(mail, _found, explain)


RULE = Rule("machine-dependent-chars", "warning", check)
