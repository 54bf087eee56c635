"""Hints: a one-line explanation, in the console's language, under a command the server
refused, chosen from a small table of cases (data/hints.toml). Pure."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from hato.classroom.checklist import Exchange

__all__ = ["LANGUAGES", "Hint", "hint_for", "load_hints", "parse_hints"]

LANGUAGES = ("en", "ja")


@dataclass(frozen=True, slots=True)
class Hint:
    protocol: str  # "*": any
    command: str  # "*": any, "?": a word the protocol does not know
    state: str  # "any", "before-login", "before-helo", "before-mail" or "before-rcpt"
    untagged: bool
    text: dict[str, str]

    def fits(self, protocol: str, exchange: Exchange) -> bool:
        return (
            self.protocol in ("*", protocol)
            and self._command_fits(exchange)
            and self._state_fits(exchange)
            and (not self.untagged or exchange.untagged)
        )

    def _command_fits(self, exchange: Exchange) -> bool:
        if self.command == "?":
            return not exchange.known
        return self.command in ("*", exchange.command)

    def _state_fits(self, exchange: Exchange) -> bool:
        if self.state == "before-login":
            return not exchange.logged_in
        if self.state.startswith("before-"):
            return exchange.smtp_stage == self.state
        return True


def parse_hints(text: str) -> tuple[Hint, ...]:
    return tuple(
        Hint(
            protocol=str(entry.get("protocol", "*")).lower(),
            command=str(entry.get("command", "*")).upper(),
            state=str(entry.get("state", "any")),
            untagged=bool(entry.get("untagged", False)),
            text={language: str(entry[language]) for language in LANGUAGES},
        )
        for entry in tomllib.loads(text).get("hint", [])
    )


def load_hints() -> tuple[Hint, ...]:
    return parse_hints(resources.files("hato.classroom").joinpath("data/hints.toml").read_text())


def hint_for(
    hints: tuple[Hint, ...], protocol: str, exchange: Exchange, language: str = "en"
) -> str | None:
    """The first fitting case's line for a refused command; None for a positive answer."""
    if exchange.positive:
        return None
    language = language if language in LANGUAGES else "en"
    for hint in hints:
        if hint.fits(protocol, exchange):
            return hint.text[language]
    return None
