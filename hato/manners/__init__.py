"""The manners linter: checks a message against the e-mail manners of the lecture.

Rules (ids are part of the contract): no-subject, no-addressee, no-sender-name,
quoted-to-new-recipients, exposed-recipients, html-mail, halfwidth-kana,
machine-dependent-chars, non-standard-charset. See ``hato.manners.rules``.

The settings, the findings and their report are imported with the package; the linter
(the parser, the rules: about 0.5 MB) by the first use of one of its names (PEP 562
``__getattr__``): a server that lints nothing, its ``[manners] policy`` off and no
assignment handed in, does not hold it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hato.manners._findings import Finding, Lang, Severity, Text
from hato.manners._output import report
from hato.manners._settings import MannersSettings, Policy

if TYPE_CHECKING:
    from hato.manners._lint import lint_mail, lint_message
    from hato.manners._mail import Mail, ParseError, parse_mail
    from hato.manners._rule import Context, Rule
    from hato.manners.rules import RULE_IDS, RULES

#: The linter's names, and the module each is imported from when first asked for.
_LINTER = {
    "lint_mail": "hato.manners._lint",
    "lint_message": "hato.manners._lint",
    "Mail": "hato.manners._mail",
    "ParseError": "hato.manners._mail",
    "parse_mail": "hato.manners._mail",
    "Context": "hato.manners._rule",
    "Rule": "hato.manners._rule",
    "RULE_IDS": "hato.manners.rules",
    "RULES": "hato.manners.rules",
}


def __getattr__(name: str) -> Any:
    if name not in _LINTER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LINTER[name]), name)
    globals()[name] = value  # asked once
    return value


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
