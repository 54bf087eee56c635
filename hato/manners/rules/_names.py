"""The writer's name as the From field gives it, and finding it in a line of the body.

The From display name ("Yamada Taro", "YAMADA Taro", "山田 太郎", "Yamada, Taro") and the
address's local part (t-yamada, yamada.taro) are split into name parts; each part is kept as
written and as a name key (see ``_reading``), so that a body line names the writer when it
spells one part in any script, in either order, with or without long vowels: 山田太郎,
やまだ, ヤマダ タロウ, "Taro", "T. Yamada", or the initials "T.Y.".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from hato.manners._mail import Mail
from hato.manners.rules._reading import (
    JAPANESE_RUN,
    KANJI,
    LATIN_WORD,
    MAX_ANALYSED,
    analyse,
    name_key,
    romanize,
)

# Shorter keys ("ii", "o") would meet ordinary syllables by chance.
_MIN_KEY = 3
# A display-name run this short is a bare name (林, 東, 森) even when the dictionary
# reads it as an ordinary noun.
_BARE_NAME = 2
_INITIALS = re.compile(r"([A-Za-z])\.?\s?([A-Za-z])\.?(?:\s?([A-Za-z])\.?)?")

# Latin words that are no one's name: closings, greetings, fillers, days.
COMMON_WORDS = frozenset((
    "hello", "hi", "hey", "dear", "thanks", "thank", "thx", "ty", "best", "regards",
    "regard", "cheers", "sincerely", "yours", "truly", "faithfully", "cordially",
    "respectfully", "warmly", "warm", "kind", "kindest", "warmest", "love", "bye", "later",
    "ok", "okay", "yes", "no", "sure", "fine", "br", "kr", "rgds", "sorry", "please",
    "fyi", "asap", "note", "noted", "done", "great", "good", "nice", "cool", "see", "you",
    "soon", "today", "tomorrow", "tonight", "yesterday", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "attached", "attachment", "attachments",
    "sent", "from", "my", "the", "a", "an", "and", "of", "to", "for", "in", "on", "at",
    "important", "urgent", "update", "reminder", "meeting", "agenda", "question", "here",
    "there", "all", "everyone", "everybody", "nobody", "someone", "nothing", "team",
    "again", "also", "just", "me", "it", "this", "that", "is", "am", "are", "will", "do",
    "iphone", "android", "mobile", "mail", "email", "info", "admin", "noreply", "user",
    "student", "lab", "office", "support", "contact", "postmaster", "webmaster",
    "agreed", "lgtm", "tbd", "np", "sounds", "welcome", "happy", "glad", "afraid",
    "available", "back", "going", "not", "writing", "looking", "sending", "forward",
    "confirmed", "understood", "roger", "perfect", "excellent", "awesome", "wonderful",
    "exactly", "absolutely", "certainly", "definitely", "indeed", "correct", "right", "ps",
    "nb", "attn", "re", "fw", "fwd", "sir", "madam",
))  # fmt: skip
# Titles go with a name but are none (Dr. Hanako Suzuki).
TITLES = frozenset(("dr", "mr", "mrs", "ms", "miss", "prof", "professor", "san", "sensei"))


@dataclass(frozen=True, slots=True)
class SenderName:
    """The name parts of the message's writer: as written, as keys, and as initials."""

    surfaces: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()
    initials: frozenset[str] = frozenset()

    def named_in(self, text: str) -> bool:
        """Tell whether *text* spells one of the writer's name parts, or their initials."""
        if not (self.surfaces or self.keys):
            return False
        initials = _INITIALS.fullmatch(text.strip())
        if initials and "".join(filter(None, initials.groups())).lower() in self.initials:
            return True
        return any(
            surface in self.surfaces or key in self.keys for surface, key in _body_parts(text)
        )


NOBODY = SenderName()


def sender_name(mail: Mail) -> SenderName:
    """What the From field tells of the writer's name."""
    display = [part for a in mail.sender for part in _display_parts(a.name)]
    local = [part for a in mail.sender for part in _address_parts(a.addr)]
    parts = display + local
    return SenderName(
        frozenset(surface for surface, _ in parts),
        frozenset(key for _, key in parts if len(key) >= _MIN_KEY),
        _initials([key for _, key in display]),
    )


def _display_parts(name: str) -> Iterator[tuple[str, str]]:
    """(as written, key) for each name part of a display name, in order."""
    name = name[:MAX_ANALYSED]
    for word in LATIN_WORD.findall(name):
        if word.isascii() and word.lower() not in COMMON_WORDS | TITLES:
            yield word.lower(), name_key(word)
    for run in JAPANESE_RUN.findall(name):
        if not KANJI.search(run):
            yield run, name_key(romanize(run))
            continue
        for morpheme in analyse(run):
            if morpheme.is_person or morpheme.unknown or len(run) <= _BARE_NAME:
                yield morpheme.surface, morpheme.key


def _address_parts(addr: str) -> Iterator[tuple[str, str]]:
    """Name parts of an address's local part: t-yamada, yamada.taro, and tyamada too."""
    for word in re.findall(r"[a-z]+", addr.partition("@")[0].lower()):
        if len(word) >= _MIN_KEY and word not in COMMON_WORDS:
            yield word, name_key(word)
            if len(word) > 4:  # an initial written on: tyamada
                yield word[1:], name_key(word[1:])


def _initials(keys: list[str]) -> frozenset[str]:
    """The initials of the display name's parts, in its order and reversed."""
    letters = "".join(key[0] for key in keys if key)
    return frozenset((letters, letters[::-1])) if len(letters) >= 2 else frozenset()


def _body_parts(text: str) -> Iterator[tuple[str, str]]:
    """(as written, key) for every word of a body line that may be a name."""
    text = text[:MAX_ANALYSED]
    words = LATIN_WORD.findall(text)
    for word in words:
        if word.isascii() and (len(words) <= 4 or word[0].isupper()):
            yield word.lower(), name_key(word)
    for run in JAPANESE_RUN.findall(text):
        if not KANJI.search(run):
            yield run, name_key(romanize(run))
        for morpheme in analyse(run):
            if morpheme.is_noun:
                yield morpheme.surface, morpheme.key
