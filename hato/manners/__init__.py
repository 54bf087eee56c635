"""The manners linter: checks a message against the e-mail manners of the lecture.

Rules (ids are part of the contract): no-subject, no-addressee, no-sender-name,
quoted-to-new-recipients, exposed-recipients, html-mail, halfwidth-kana,
machine-dependent-chars, non-standard-charset. See ``hato.manners.rules``.
"""

from __future__ import annotations

from hato.manners._findings import Finding, Lang, Severity, Text
from hato.manners._lint import lint_mail, lint_message
from hato.manners._mail import Mail, ParseError, parse_mail
from hato.manners._output import report
from hato.manners._rule import Context, Rule
from hato.manners._settings import MannersSettings, Policy
from hato.manners.rules import RULE_IDS, RULES

__all__ = [
    "RULES",
    "RULE_IDS",
    "Context",
    "Finding",
    "Lang",
    "Mail",
    "MannersSettings",
    "ParseError",
    "Policy",
    "Rule",
    "Severity",
    "Text",
    "lint_mail",
    "lint_message",
    "parse_mail",
    "report",
]
