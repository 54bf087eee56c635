"""The ``[manners]`` table of the configuration file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Literal, cast

from hato.manners._findings import Lang

Policy = Literal["off", "warn", "reject"]

_Validator = Callable[[str, object], object]

_POLICIES = ("off", "warn", "reject")
_LANGS = ("ja", "en")


@dataclass(frozen=True, slots=True)
class MannersSettings:
    """How the manners linter behaves.

    ``policy`` applies to mail sent through submission (default ``off``); ``hato
    lint`` always runs. ``language`` is the language of reports sent by the server.
    ``disable`` lists rule ids that do not run. ``exposed_recipients_limit``: that many
    addresses or more in To and Cc together is a finding. ``addressee_lines``: how many of the
    writer's first lines may hold the addressee. ``closing_lines``: how many of the writer's
    last lines may hold the closing name.
    """

    policy: Policy = "off"
    language: Lang = "en"
    disable: frozenset[str] = frozenset()
    exposed_recipients_limit: int = 10
    addressee_lines: int = 4
    closing_lines: int = 5

    @classmethod
    def from_mapping(cls, table: Mapping[str, object]) -> MannersSettings:
        """Validate a TOML ``[manners]`` table; raise ValueError naming the bad key."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ValueError(
                f"[manners]: unknown key(s) {', '.join(unknown)}; known keys: "
                + ", ".join(sorted(known))
            )
        values: dict[str, object] = {}
        for key, value in table.items():
            values[key] = _VALIDATORS[key](key, value)
        return cls(**values)  # type: ignore[arg-type]

    def enabled(self, rule_id: str) -> bool:
        """Tell whether the rule *rule_id* runs."""
        return rule_id not in self.disable


def _choice(choices: tuple[str, ...]) -> _Validator:
    def validate(key: str, value: object) -> object:
        if not isinstance(value, str) or value not in choices:
            raise ValueError(
                f"[manners] {key}: expected one of {', '.join(choices)}, got {value!r}"
            )
        return value

    return validate


def _positive_int(key: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"[manners] {key}: expected a positive integer, got {value!r}")
    return value


def _rule_ids(key: str, value: object) -> object:
    from hato.manners.rules import RULE_IDS

    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"[manners] {key}: expected a list of rule ids, got {value!r}")
    ids = cast("list[str]", list(value))
    unknown = sorted(set(ids) - set(RULE_IDS))
    if unknown:
        raise ValueError(
            f"[manners] {key}: unknown rule id(s) {', '.join(unknown)}; rules: "
            + ", ".join(RULE_IDS)
        )
    return frozenset(ids)


_VALIDATORS: dict[str, _Validator] = {
    "policy": _choice(_POLICIES),
    "language": _choice(_LANGS),
    "disable": _rule_ids,
    "exposed_recipients_limit": _positive_int,
    "addressee_lines": _positive_int,
    "closing_lines": _positive_int,
}
