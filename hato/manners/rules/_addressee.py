"""Recognising an addressee line: 山田様, 〇〇さん, 関係者各位, Dear Ms. Smith, Hi all, Bob,.

Japanese: a name followed by an honorific (様, さん, 先生, 殿, 各位, 御中 ...) within the
line's first sentence, not part of a set phrase (お疲れ様, ご苦労様, おかげ様, たくさん).
English: a greeting followed by a name, a title and a name, or a short capitalised name
line ending in a comma or colon.
"""

from __future__ import annotations

import re

_HONORIFIC = re.compile(
    r"(様|さま|さん|先生|せんせい|殿|各位|御中|君|くん|ちゃん|教授|准教授|博士|部長|課長"
    r"|係長|社長|室長|主任|委員長|氏|皆様|皆さま|皆さん|みなさま|みなさん|みんな)"
    r"(?=$|[\s、，,。．.:：!！?？)）」』へ]|こんにちは|こんばんは|おはよう|お世話|お疲れ"
    r"|いつも|はじめまして|初めまして|突然|夜分|先日|ご無沙汰)"
)
# Set phrases that end in an honorific but name nobody.
_NOT_A_NAME = (
    "疲れ", "苦労", "世話", "陰", "かげ", "互い", "馳走", "ちそう", "愁傷", "待ち遠", "たく",
    "同", "模", "有", "仕", "無",
)  # fmt: skip
_GREETING = re.compile(
    r"^(dear|hi|hello|hey|greetings|good\s+(morning|afternoon|evening)|to)\b[\s,:!]*(?P<rest>.*)$",
    re.IGNORECASE,
)
_TITLE = re.compile(r"^(mr|mrs|ms|miss|dr|prof|professor|sir|madam)\b\.?\s*\w", re.IGNORECASE)
_NAME_LINE = re.compile(r"^[A-Z][\w.'-]*(\s+[A-Z][\w.'-]*){0,3}\s*[,:]$")
_NOT_NAMES = frozenset((
    "thanks", "thank", "hello", "hi", "hey", "dear", "greetings", "regards", "cheers", "note",
    "update", "summary",
))  # fmt: skip


def _japanese_addressee(text: str) -> bool:
    """A name and an honorific in the first sentence, not a set phrase."""
    for match in _HONORIFIC.finditer(text[:60]):
        before = text[: match.start()]
        if match.group(1).startswith(("皆", "みな", "みんな")) and not before.strip():
            return True
        if before.strip() and "。" not in before and not before.endswith(_NOT_A_NAME):
            return True
    return False


def _english_addressee(text: str) -> bool:
    """A greeting and a name, a title and a name, or "Alice,"."""
    greeting = _GREETING.match(text)
    if greeting:
        return bool(re.search(r"\w", greeting.group("rest")))
    if _TITLE.match(text):
        return True
    first = text.split(maxsplit=1)[0].strip(",:").lower() if text.split() else ""
    return bool(_NAME_LINE.match(text)) and first not in _NOT_NAMES


def is_addressee(text: str) -> bool:
    """Tell whether the line *text* names the reader."""
    text = text.strip()
    return bool(text) and (_japanese_addressee(text) or _english_addressee(text))
