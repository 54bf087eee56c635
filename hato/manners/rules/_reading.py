"""How a name sounds: one spelling for 山田太郎, やまだ, ヤマダ, "YAMADA Taro" and "Yamadá".

People write their name in the script at hand: kanji in a Japanese signature, Hepburn in
the From display name, katakana or hiragana now and then. To compare them, every spelling
is brought to a *name key*:

- kanji are read with SudachiPy (its ``small`` dictionary: the morphemes' readings, and
  whether a morpheme is a person's family or given name, 名詞-固有名詞-人名-姓/名);
- kana are romanised (Hepburn, :func:`romanize`);
- romaji are folded so that the spellings of one sound meet (:func:`name_key`): Hepburn and
  Kunrei (shi/si, chi/ti, tsu/tu, ja/zya, fu/hu), long vowels written or not (Satō, Satou,
  Satoh, Sato; Ōno, Oono, Ohno), doubled consonants, m/n before b/p (Homma, Honma), and
  voicing, since a reading of a name often differs in it alone (中島: Nakajima, Nakashima;
  山崎: Yamazaki, Yamasaki).

The dictionary is loaded once, on first use (about 40 MB); a Sudachi tokenizer is not
thread-safe, so each thread gets its own.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

# Longest text handed to the analyser at once: a name or a closing line, never a body.
MAX_ANALYSED = 200

KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")
JAPANESE_RUN = re.compile(
    r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]+"
)
LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# Variant kanji outside JIS X 0208 that names are written with (the CP932 extras): the
# dictionary knows the usual form.
_VARIANTS = str.maketrans("髙﨑德濵瀨", "高崎徳浜瀬")

_ROWS = {
    "": "アイウエオ", "k": "カキクケコ", "s": "サシスセソ", "t": "タチツテト",
    "n": "ナニヌネノ", "h": "ハヒフヘホ", "m": "マミムメモ", "y": "ヤ\0ユ\0ヨ",
    "r": "ラリルレロ", "w": "ワヰ\0ヱヲ", "g": "ガギグゲゴ", "z": "ザジズゼゾ",
    "d": "ダヂヅデド", "b": "バビブベボ", "p": "パピプペポ",
}  # fmt: skip
_HEPBURN = {"si": "shi", "ti": "chi", "tu": "tsu", "hu": "fu", "zi": "ji", "di": "ji",
            "du": "zu", "wi": "i", "we": "e", "wo": "o"}  # fmt: skip
_SYLLABLES = {
    kana: _HEPBURN.get(consonant + vowel, consonant + vowel)
    for consonant, row in _ROWS.items()
    for kana, vowel in zip(row, "aiueo", strict=False)
    if kana != "\0"
} | {"ン": "n", "ヴ": "vu", "ヵ": "ka", "ヶ": "ke"}
_SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}
_SMALL_VOWELS = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o", "ヮ": "a"}


def katakana(text: str) -> str:
    """*text* with its hiragana written in katakana."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def romanize(kana: str) -> str:
    """Hepburn romaji of a kana string (ッ and ー leave no trace: keys ignore length)."""
    out: list[str] = []
    for char in katakana(kana):
        if char in _SYLLABLES:
            out.append(_SYLLABLES[char])
        elif char in _SMALL_Y and out and out[-1].endswith("i"):
            stem = out[-1][:-1]
            out[-1] = stem + ("" if stem.endswith(("sh", "ch", "j")) else "y") + _SMALL_Y[char]
        elif char in _SMALL_VOWELS and out:
            out[-1] = out[-1][:-1] + _SMALL_VOWELS[char]
    return "".join(out)


_DEVOICED = {"g": "k", "z": "s", "d": "t", "b": "h", "p": "h"}
_FOLDS = (
    (re.compile(r"m(?=[bmp])"), "n"),
    (re.compile(r"sh"), "sy"),
    (re.compile(r"ch"), "ty"),
    (re.compile(r"j"), "zy"),
    (re.compile(r"ts"), "t"),
    (re.compile(r"f"), "h"),
    (re.compile(r"v"), "b"),
    (re.compile(r"(?<=[stz])yi"), "i"),
    (re.compile(r"oh(?![aiueoy])"), "o"),
    (re.compile(r"[gzdbp]"), lambda m: _DEVOICED[m.group()]),
    (re.compile(r"ou|oo|uu|aa|ii|ee"), lambda m: m.group()[0]),
    (re.compile(r"([^aiueon])\1|(n)n"), lambda m: m.group(1) or m.group(2)),
)


def name_key(romaji: str) -> str:
    """Fold a romaji spelling of a name so that the spellings of one sound are equal."""
    key = unicodedata.normalize("NFKD", romaji.lower())
    key = "".join(c for c in key if "a" <= c <= "z")
    for pattern, replacement in _FOLDS:
        key = pattern.sub(replacement, key)
    return key


@dataclass(frozen=True, slots=True)
class Morpheme:
    """One word as the dictionary analysed it."""

    surface: str
    pos: tuple[str, ...]
    reading: str
    unknown: bool

    @property
    def is_person(self) -> bool:
        """A family or given name (名詞-固有名詞-人名)."""
        return self.pos[1:3] == ("固有名詞", "人名")

    @property
    def is_noun(self) -> bool:
        """A noun, or a suffix that ends one (情報科学「科」, 三「年」)."""
        return self.pos[0] in ("名詞", "接尾辞")

    @property
    def key(self) -> str:
        """The name key of the word's reading; "" when it has no Japanese reading."""
        if not JAPANESE_RUN.fullmatch(self.surface) or self.unknown:
            return ""
        return name_key(romanize(self.reading))


_local = threading.local()


@cache
def _dictionary() -> Any:
    """The Sudachi dictionary, loaded once (it is shared; tokenizers are not)."""
    from sudachipy import Dictionary  # imported on first use: hato lint alone pays for it

    return Dictionary(dict="small")


def _tokenizer() -> Any:
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _local.tokenizer = _dictionary().tokenizer("C")
    return tokenizer


# A grade written before a name (B4田中, M1鈴木) makes the analyser read 田 as a counter.
_GRADE_THEN_KANJI = re.compile(r"(?<=[A-Za-z][0-9])(?=[\u3400-\u4dbf\u4e00-\u9fff])")


def analyse(text: str) -> tuple[Morpheme, ...]:
    """The morphemes of *text* (at most :data:`MAX_ANALYSED` characters of it)."""
    text = unicodedata.normalize("NFKC", text[:MAX_ANALYSED]).translate(_VARIANTS)
    text = _GRADE_THEN_KANJI.sub(" ", text)
    if not JAPANESE_RUN.search(text):
        return ()
    return tuple(
        Morpheme(m.surface(), tuple(m.part_of_speech()), m.reading_form(), m.is_oov())
        for m in _tokenizer().tokenize(text)
    )
