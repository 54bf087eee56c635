"""Findings: what a rule reports, in Japanese and in English.

A rule returns :class:`Hit` objects (where, and what to say); the linter stamps each one
with the rule's id and severity to make a :class:`Finding`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
Lang = Literal["ja", "en"]


@dataclass(frozen=True, slots=True)
class Text:
    """One message in both languages the linter speaks."""

    ja: str
    en: str

    def render(self, lang: Lang) -> str:
        """Return the message in *lang*."""
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule found: the message and the body line (1-based; None for headers)."""

    text: Text
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's finding about one message."""

    rule: str
    severity: Severity
    text: Text
    line: int | None = None

    def message(self, lang: Lang) -> str:
        """Return the explanation in *lang*."""
        return self.text.render(lang)

    def to_json(self, lang: Lang) -> dict[str, object]:
        """The finding as `hato lint --format json` prints it: rule, severity, message, line."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message(lang),
            "line": self.line,
        }
