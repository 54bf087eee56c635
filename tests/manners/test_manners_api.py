"""The public surface of hato.manners and the rule registry."""

from __future__ import annotations

import hato.manners
from hato.manners import RULES, Finding, MannersSettings, lint_message, report

CONTRACT = {
    "no-subject": "error",
    "no-addressee": "warning",
    "no-sender-name": "warning",
    "quoted-to-new-recipients": "warning",
    "exposed-recipients": "warning",
    "html-mail": "warning",
    "halfwidth-kana": "warning",
    "machine-dependent-chars": "warning",
    "non-standard-charset": "warning",
}


def test_public_names_exist() -> None:
    for name in hato.manners.__all__:
        assert hasattr(hato.manners, name), name
    assert not [n for n in hato.manners.__all__ if n.startswith("_")]


def test_rule_ids_and_severities_are_the_issues_table() -> None:
    assert {rule.id: rule.severity for rule in RULES} == CONTRACT
    assert [rule.id for rule in RULES] == list(CONTRACT)


def test_finding_json_object() -> None:
    raw = b"From: a@example.org\r\nTo: b@example.org\r\n\r\nDear Bob,\r\n\r\nAlice\r\n"
    [finding] = lint_message(raw, MannersSettings())
    assert isinstance(finding, Finding)
    assert finding.to_json("en") == {
        "rule": "no-subject",
        "severity": "error",
        "message": finding.text.en,
        "line": None,
    }
    assert finding.message("ja") == finding.text.ja != finding.text.en


def test_disabled_rules_do_not_run() -> None:
    raw = b"From: a@example.org\r\n\r\nhello\r\n"
    settings = MannersSettings(disable=frozenset({"no-subject", "no-addressee"}))
    assert [f.rule for f in lint_message(raw, settings)] == ["no-sender-name"]


def test_report_for_submission_replies() -> None:
    raw = b"From: a@example.org\r\n\r\nhello\r\n"
    findings = lint_message(raw, MannersSettings())
    english = report(findings, "en").splitlines()
    assert english[0].startswith("error no-subject: The message has no Subject.")
    assert english[1].startswith("line 1: warning no-addressee: ")
    assert report(findings, "ja").splitlines()[2].startswith("1行目: warning no-sender-name: 本文")
