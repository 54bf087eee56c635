"""Recognising the writer's name: a self-introduction or a name-like closing line.

A self-introduction names someone before です/でございます/と申します (「情報ネットワークの
山田太郎です。」「鈴木と申します。」), or after "This is", "I'm", "My name is". Who counts:
a person's name in the dictionary (人名), a word the dictionary does not know, or one of the
From field's name parts in any script. So 「明日は雨です。」「会議です。」「OKです。」 and
"I'm Sorry" introduce no one.

A closing line names the writer when it spells a From name part (山田太郎 for "Yamada
Taro", "T.Y." for 山田 太郎), or when it looks like a name on its own: in Japanese, nouns
among which a person's name or a single proper noun, nothing that ends a sentence; in Latin
letters, one to four capitalised words that are not a closing phrase (a lower-case name
counts just after "Cheers,"). A leading "Regards," and a trailing 「より」「拝」 are
stripped first (山田より, Regards, Taro).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hato.manners.rules._addressee import is_addressee
from hato.manners.rules._names import COMMON_WORDS, NOBODY, TITLES, SenderName
from hato.manners.rules._reading import JAPANESE_RUN, KANJI, MAX_ANALYSED, Morpheme, analyse

# "My name is" introduces whatever follows; the others only a capitalised word that is not
# a common one ("I'm Sorry", "It's Monday", "This is Important").
_INTRO_EN = re.compile(
    r"\b(?P<marker>(?i:my name is|this is|i am|i['’]m|it['’]s|it is))\s+"
    r"(?P<who>[^\W\d_][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2})"
)
_HERE_EN = re.compile(r"^\s*(?P<who>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)?)\s+here\b")
# Honorifics that make 「山田さんです」 about someone else.
_HONORIFICS = frozenset(("さん", "様", "さま", "先生", "君", "くん", "ちゃん", "殿", "氏"))
_SAYING = frozenset(("申し", "申", "言い", "いい"))
_CLOSING_PHRASES = frozenset((
    "以上", "敬具", "草々", "早々", "不一", "謹白", "かしこ", "了解", "承知", "感謝",
    "宜敷", "取り急ぎ", "失礼", "再見", "拝",
))  # fmt: skip
_LEADING_CLOSING = re.compile(
    r"^((best|kind|warm|warmest)\s+regards|regards|best|thanks|thank\s+you|cheers|sincerely"
    r"|yours(\s+(truly|sincerely))?|以上|敬具|よろしくお願い(いた|致)?します)\s*[,、，。.]\s*",
    re.IGNORECASE,
)
_CLOSING_LINE = re.compile(
    r"^((best|kind|warm|warmest|kindest)(\s+regards|\s+wishes)?|regards|thanks|thank\s+you"
    r"|many\s+thanks|cheers|sincerely|yours(\s+(truly|sincerely|faithfully))?|take\s+care"
    r"|(よろしく|宜しく)お願い(いた|致)?します|以上)\s*[,、，。.!！]?$",
    re.IGNORECASE,
)
_SENTENCE_END = tuple("。．.!！?？:：、,，")
_PREDICATES = frozenset(("動詞", "助動詞", "形容詞", "形状詞", "副詞", "感動詞", "接続詞"))
_LONGEST_NAME_LINE = 30
_DOTTED_INITIALS = re.compile(r"(?:[A-Z]\.\s?){2,3}")


def is_self_introduction(text: str, sender: SenderName = NOBODY) -> bool:
    """Tell whether *text* introduces its writer (「山田です。」, "This is Taro")."""
    return _english_introduction(text, sender) or _japanese_introduction(text, sender)


def _english_introduction(text: str, sender: SenderName) -> bool:
    """ "This is Taro", "I'm Taro Yamada", "My name is hanako", "Hanako here"."""
    text = text[:MAX_ANALYSED]
    candidates = [
        (m.group("who"), m.group("marker").lower() == "my name is")
        for m in _INTRO_EN.finditer(text)
    ]
    if here := _HERE_EN.match(text):
        candidates.append((here.group("who"), False))
    return any(
        sender.named_in(who) or _latin_name(who, lower_case_ok=strong) for who, strong in candidates
    )


def _japanese_introduction(text: str, sender: SenderName) -> bool:
    """A name, then です/でございます/と申します, not asked (「山田さんですか」)."""
    morphemes = analyse(text)
    for index, morpheme in enumerate(morphemes):
        saying = morpheme.surface == "と" and _next(morphemes, index).surface in _SAYING
        if not (_is_copula(morphemes, index) or saying):
            continue
        who = _noun_run(morphemes, index)
        if who and who[-1].surface not in _HONORIFICS and _names_someone(who, sender, saying):
            return True
    return False


def _is_copula(morphemes: Sequence[Morpheme], index: int) -> bool:
    """です or でございます, not a question (ですか)."""
    surface = morphemes[index].surface
    after = _next(morphemes, index)
    if surface == "で":
        return after.surface == "ござい"
    return surface == "です" and after.surface != "か"


_END = Morpheme("", ("",), "", unknown=False)


def _next(morphemes: Sequence[Morpheme], index: int) -> Morpheme:
    return morphemes[index + 1] if index + 1 < len(morphemes) else _END


def _noun_run(morphemes: Sequence[Morpheme], end: int) -> tuple[Morpheme, ...]:
    """The nouns (and brackets) just before *end*: 「情報科の山田太郎（B3）」 gives 山田…）."""
    start = end
    while start > 0 and (
        morphemes[start - 1].is_noun or morphemes[start - 1].pos[1].startswith("括弧")
    ):
        start -= 1
    return tuple(morphemes[start:end])


def _names_someone(who: Sequence[Morpheme], sender: SenderName, saying: bool) -> bool:
    if any(m.is_person or (m.unknown and KANJI.search(m.surface)) for m in who):
        return True
    written = "".join(m.surface for m in who)
    if sender.named_in(written):
        return True
    # 「〜と申します」 says a name is coming: any short name-looking word will do.
    return saying and bool(JAPANESE_RUN.fullmatch(written)) and len(written) <= 6


def closing_core(text: str) -> str:
    """A closing line without dashes, a leading "Regards," and a trailing 「より」「拝」.

    When the line holds sentences, the text after the last one (「…お願いします。山田」).
    """
    text = text.strip().strip("-—–―~〜 \u3000").strip()
    text = _LEADING_CLOSING.sub("", text)
    last = re.split(r"[。！？!?]", text)[-1].strip()
    text = last or text
    return re.sub(r"(より|から|拝)$", "", text).strip()


def is_closing_phrase(text: str) -> bool:
    """Tell whether *text* is a closing phrase alone ("Best regards,", 「以上」)."""
    return bool(_CLOSING_LINE.match(text.strip()))


def _addresses_reader(text: str) -> bool:
    """An addressee line (山田様, "Dear Bob,"); at the end, "Dr. Hanako Suzuki" is a signature."""
    words = text.split()
    return is_addressee(text) and not (words and words[0].strip(".").lower() in TITLES)


def signs(text: str, sender: SenderName = NOBODY, *, after_closing: bool = False) -> bool:
    """Tell whether the closing line *text* is the writer's name, or holds it.

    A Latin line holds the From name anywhere ("Suzuki, Lab of Networks, room 301."); a
    Japanese line only when it is shaped like a name: 「森の写真を送ります。」 is about a
    forest even when From says "Mori".
    """
    core = closing_core(text)
    if not core or _addresses_reader(text):
        return False
    if not JAPANESE_RUN.search(core) and sender.named_in(core):
        return True
    return is_name_like(core, after_closing, sender)


def is_name_like(text: str, after_closing: bool = False, sender: SenderName = NOBODY) -> bool:
    """Tell whether the closing line *text* looks like a name (the writer's, if known)."""
    core = closing_core(text)
    if _DOTTED_INITIALS.fullmatch(core):  # T.Y., but not P.S.
        return re.sub(r"[.\s]", "", core).lower() not in ("ps", "pps", "nb")
    if not core or len(core) > _LONGEST_NAME_LINE or core.endswith(_SENTENCE_END):
        return False
    if "@" in core or "://" in core or _addresses_reader(core) or core in _CLOSING_PHRASES:
        return False
    if JAPANESE_RUN.search(core):
        return _japanese_name(analyse(core), sender)
    return _latin_name(core, lower_case_ok=after_closing)


def _japanese_name(morphemes: Sequence[Morpheme], sender: SenderName) -> bool:
    """Nouns only, among them the writer's name, a person's name, an unknown kanji word
    or one proper noun."""
    words = [m for m in morphemes if m.pos[0] not in ("空白", "補助記号")]
    if not words or any(m.pos[0] in _PREDICATES for m in words):
        return False
    if any(m.pos[0] == "助詞" and m.surface != "の" for m in words):
        return False
    if any(m.is_person or (m.unknown and KANJI.search(m.surface)) for m in words):
        return True
    if sender.named_in("".join(m.surface for m in morphemes)):
        return True
    return len(words) == 1 and words[0].pos[1] == "固有名詞"


def _latin_name(text: str, *, lower_case_ok: bool) -> bool:
    """One to four words of letters, none a common word, capitalised unless allowed not."""
    words = [w for w in text.split() if w.strip(".").lower() not in TITLES]
    if not 1 <= len(words) <= 4 or not all(
        re.fullmatch(r"[^\W\d_][\w.'()-]*", w) and w.isascii() for w in words
    ):
        return False
    if any(w.strip(".,'()").lower() in COMMON_WORDS for w in words):
        return False
    return lower_case_ok or all(w[0].isupper() for w in words)
