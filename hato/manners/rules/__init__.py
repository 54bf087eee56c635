"""The manners rules, registered in one place: adding a rule is one module and one line.

The order here is the order of README.md's rule table and of findings on the same line.
"""

from __future__ import annotations

from hato.manners._rule import Rule
from hato.manners.rules import (
    addressee,
    charset,
    html,
    kana,
    machine,
    quoting,
    recipients,
    sender,
    subject,
)

RULES: tuple[Rule, ...] = (
    subject.RULE,
    addressee.RULE,
    sender.RULE,
    quoting.RULE,
    recipients.RULE,
    html.RULE,
    kana.RULE,
    machine.RULE,
    charset.RULE,
)

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)

__all__ = ["RULES", "RULE_IDS"]
