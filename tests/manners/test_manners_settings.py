"""MannersSettings and the [manners] table."""

from __future__ import annotations

import pytest

from hato.manners import RULE_IDS, MannersSettings


def test_defaults() -> None:
    settings = MannersSettings()
    assert settings.policy == "off"
    assert settings.exposed_recipients_limit == 10
    assert settings.disable == frozenset()
    assert all(settings.enabled(rule) for rule in RULE_IDS)


def test_from_mapping_reads_every_key() -> None:
    settings = MannersSettings.from_mapping(
        {
            "policy": "reject",
            "language": "ja",
            "disable": ["html-mail"],
            "exposed_recipients_limit": 5,
            "addressee_lines": 2,
            "closing_lines": 3,
        }
    )
    assert settings == MannersSettings("reject", "ja", frozenset({"html-mail"}), 5, 2, 3)
    assert not settings.enabled("html-mail")


def test_empty_table_is_the_default() -> None:
    assert MannersSettings.from_mapping({}) == MannersSettings()


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ({"polcy": "warn"}, "unknown key(s) polcy"),
        ({"policy": "block"}, "policy: expected one of off, warn, reject"),
        ({"policy": 1}, "policy"),
        ({"language": "fr"}, "language"),
        ({"exposed_recipients_limit": "10"}, "positive integer"),
        ({"exposed_recipients_limit": 0}, "positive integer"),
        ({"exposed_recipients_limit": True}, "positive integer"),
        ({"disable": "html-mail"}, "list of rule ids"),
        ({"disable": ["no-such-rule"]}, "unknown rule id(s) no-such-rule"),
    ],
)
def test_bad_tables_are_refused_clearly(table: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match="manners") as raised:
        MannersSettings.from_mapping(table)
    assert complaint in str(raised.value)


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        MannersSettings().policy = "warn"  # type: ignore[misc]
