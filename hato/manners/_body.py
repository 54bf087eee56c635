"""The structure of a plain-text body: the writer's own lines, quotations, signature.

Quoted lines start with ``>`` (RFC 3676 section 4.5) or the full-width ``＞`` some Japanese
mailers use. An attribution line ("On ... wrote:", 「...さんは書きました:」) is the line
just before a quotation. A forwarded or "original message" separator ends the writer's part.
A signature starts after ``-- `` (RFC 3676 section 4.3) or a line drawn with one symbol.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_QUOTED = re.compile(r"^\s*[>＞]")
_ORIGINAL = re.compile(
    r"^\s*[-=_]{2,}\s*(original message|forwarded message|元のメッセージ|転送メッセージ"
    r"|オリジナルメッセージ|original|以下転送)\s*[-=_]{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*(from|差出人|送信者)\s*[:：]\s*\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*(sent|date|to|送信日時|日付|宛先)\s*[:：]", re.IGNORECASE)
_SIG_DASHES = re.compile(r"^--\s*$")
_RULE = re.compile(r"^\s*([-=_*#~+.・━─＝＊■□◆◇☆★＿])\1{3,}\s*$")


@dataclass(frozen=True, slots=True)
class Line:
    """A body line and its 1-based number."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Body:
    """A body split into what its writer wrote and what it quotes."""

    writer: tuple[Line, ...]
    signature: tuple[Line, ...]
    quoted: tuple[Line, ...]


def is_quoted(text: str) -> bool:
    """Tell whether *text* is a quoted line."""
    return bool(_QUOTED.match(text))


def _original_starts(lines: Sequence[str], index: int) -> bool:
    """Tell whether an "original message" or forwarded block starts at *index*."""
    if _ORIGINAL.match(lines[index]):
        return True
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return bool(_OUTLOOK_FROM.match(lines[index]) and _OUTLOOK_NEXT.match(following))


def _next_nonblank(lines: Sequence[str], index: int) -> str:
    for text in lines[index + 1 :]:
        if text.strip():
            return text
    return ""


def _is_attribution(lines: Sequence[str], index: int) -> bool:
    """Tell whether line *index* introduces the quotation that follows it."""
    return not is_quoted(lines[index]) and is_quoted(_next_nonblank(lines, index))


def split_body(lines: Sequence[str]) -> Body:
    """Split body *lines* into the writer's lines, the signature and the quoted lines."""
    writer: list[Line] = []
    signature: list[Line] = []
    quoted: list[Line] = []
    for index, text in enumerate(lines):
        line = Line(index + 1, text)
        if _original_starts(lines, index):
            quoted.extend(Line(n + 1, t) for n, t in enumerate(lines) if n >= index)
            break
        if is_quoted(text):
            quoted.append(line)
        elif signature or _starts_signature(text, lines, index):
            signature.append(line)
        elif text.strip() and not _is_attribution(lines, index):
            writer.append(line)
    return Body(tuple(writer), tuple(s for s in signature if s.text.strip()), tuple(quoted))


def _starts_signature(text: str, lines: Sequence[str], index: int) -> bool:
    """Tell whether a signature delimiter with something after it is at *index*."""
    if not (_SIG_DASHES.match(text) or _RULE.match(text)):
        return False
    return any(t.strip() and not is_quoted(t) for t in lines[index + 1 :])
