"""Recognising the writer's name: a self-introduction or a name-like closing line.

Self-introductions: 「情報科学科の山田です」「鈴木と申します」, "This is Taro", "My name is".
A closing line is name-like when it is short, has no sentence ending, is no set closing
phrase (よろしくお願いします, 以上, Best regards,), and looks like a name: kanji, katakana or
Latin words (山田太郎, 山田より, B3 山田, -- Taro, T. Yamada).
"""

from __future__ import annotations

import re

from hato.manners.rules._addressee import is_addressee

_INTRO_JA = re.compile(
    r"(?:^|[。、，．！!\s])(?P<who>[^。、，．！!\s]{1,25}?)"
    r"(?:です|と申します|でございます|と言います|といいます)(?=$|[。、，,.．！!\s])"
)
_INTRO_EN = re.compile(r"\b(?i:this is|my name is|i am|i'm|it's)\s+[A-Z]")
_NAME_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u30a0-\u30ffA-Za-z]")
_PARTICLES = re.compile(r"[はがをにもへでとや]")
# Nouns that end 「〜です。」 sentences without naming anyone (「連絡です。」「質問です。」).
_NOT_INTRO = (
    "了解", "承知", "以上", "確認", "幸い", "幸甚", "同感", "賛成", "反対", "不要", "必要",
    "可能", "結構", "残念", "本当", "無理", "元気", "大丈夫", "問題", "予定", "様", "中",
    "連絡", "質問", "報告", "相談", "提出", "依頼", "案内", "返信", "返事", "回答", "件",
    "用件", "要件", "急ぎ", "至急", "重要", "緊急", "再送", "訂正", "追加", "変更", "修正",
    "補足", "共有", "送付", "休講", "欠席", "出席", "遅刻", "早退", "今日", "明日", "昨日",
    "今回", "前回", "次回", "本日", "先日", "感謝", "心配", "私", "僕", "俺", "自分", "次第",
    "通り", "限り", "予定", "最後", "最初", "初耳", "同じ", "以下", "以外", "未定", "不明",
)  # fmt: skip
_CLOSING_PHRASES = frozenset((
    "以上", "敬具", "草々", "早々", "不一", "謹白", "かしこ", "了解",
    "承知", "感謝", "宜敷", "取り急ぎ", "失礼", "再見", "拝",
    "hello", "hi", "hey", "thanks", "thank", "thx", "ty", "best", "regards", "cheers",
    "sincerely", "yours", "love",
    "bye", "later", "ok", "okay", "yes", "no", "sure", "br", "kr", "rgds", "warmly",
    "respectfully", "faithfully", "cordially",
))  # fmt: skip
_SENTENCE_END = tuple("。．.!！?？:：、,，")
_PREDICATE_END = tuple("すたねよかてくいんうだ")  # ます, です, ました, ね, よ ...


def is_self_introduction(text: str) -> bool:
    """Tell whether *text* introduces its writer (「山田です。」, "This is Taro")."""
    if _INTRO_EN.search(text):
        return True
    for match in _INTRO_JA.finditer(text):
        who = match.group("who").split("の")[-1]
        if (
            who
            and _NAME_CHAR.match(who[-1])
            and not _PARTICLES.search(who)
            and not who.endswith(_NOT_INTRO)
        ):
            return True
    return False


_LEADING_CLOSING = re.compile(
    r"^((best|kind|warm|warmest)\s+regards|regards|best|thanks|thank\s+you|cheers|sincerely"
    r"|yours(\s+(truly|sincerely))?|以上|敬具|よろしくお願い(いた|致)?します)\s*[,、，。.]\s*",
    re.IGNORECASE,
)


def _core(text: str) -> str:
    """Strip signature dashes, a leading "Regards," and a trailing 「より」「拝」."""
    text = text.strip().strip("-—–―~〜 \u3000").strip()
    text = _LEADING_CLOSING.sub("", text)
    return re.sub(r"(より|から|拝)$", "", text).strip()


def _words(text: str) -> list[str]:
    """The lower-cased Latin words of *text*."""
    return re.findall(r"[A-Za-z][A-Za-z.'-]*", text.lower())


def is_name_like(text: str) -> bool:
    """Tell whether the closing line *text* looks like its writer's name."""
    core = _core(text)
    if not core or len(core) > 30 or core.endswith(_SENTENCE_END) or is_addressee(core):
        return False
    if "@" in core or "://" in core or core.lower() in _CLOSING_PHRASES:
        return False
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", core):
        return _japanese_name(core)
    return _latin_name(core)


def _japanese_name(core: str) -> bool:
    """Short, with kanji, katakana or Latin letters, not ending like a sentence."""
    return (
        len(core.replace(" ", "").replace("\u3000", "")) <= 20
        and bool(_NAME_CHAR.search(core))
        and not core.endswith(_PREDICATE_END)
        and not any(core.startswith(p) for p in _CLOSING_PHRASES if not p.isascii())
    )


def _latin_name(core: str) -> bool:
    """One to four words, capitalised unless a single word, no closing phrase."""
    words = core.split()
    if not 1 <= len(words) <= 4 or not all(
        re.fullmatch(r"[A-Za-z][A-Za-z.'()-]*", w) for w in words
    ):
        return False
    if any(w in _CLOSING_PHRASES for w in _words(core)):
        return False
    return len(words) == 1 or all(w[0].isupper() for w in words)
