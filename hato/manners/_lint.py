"""Running the rules: from a message (and its mailbox) to findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hato.manners._findings import Finding
from hato.manners._mail import Mail, ParseError, parse_mail
from hato.manners._rule import Context
from hato.manners._settings import MannersSettings
from hato.manners.rules import RULES


def index_mailbox(mails: Iterable[Mail]) -> dict[str, Mail]:
    """Index messages by Message-ID; the first of duplicates wins."""
    index: dict[str, Mail] = {}
    for mail in mails:
        if mail.message_id:
            index.setdefault(mail.message_id, mail)
    return index


def lint_mail(mail: Mail, context: Context) -> list[Finding]:
    """Run every enabled rule on *mail*; header findings first, then by body line."""
    findings = [
        Finding(rule.id, rule.severity, hit.text, hit.line)
        for rule in RULES
        if context.settings.enabled(rule.id)
        for hit in rule.check(mail, context)
    ]
    return sorted(findings, key=lambda f: -1 if f.line is None else f.line)


def _parse_all(raws: Sequence[bytes]) -> Iterable[Mail]:
    """Parse the mailbox, skipping what cannot be parsed."""
    for raw in raws:
        try:
            yield parse_mail(raw)
        except ParseError:
            continue


def lint_message(
    raw: bytes, settings: MannersSettings, mailbox: Sequence[bytes] = ()
) -> list[Finding]:
    """Lint one RFC 5322 message; *mailbox* holds messages it may reply to.

    Raise :class:`ParseError` when *raw* cannot be parsed; unparseable mailbox messages are
    skipped.
    """
    mail = parse_mail(raw)
    return lint_mail(mail, Context(settings, index_mailbox(_parse_all(mailbox))))
