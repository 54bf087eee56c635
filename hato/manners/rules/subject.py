"""``no-subject``: a mail needs a Subject (RFC 5322 section 3.6.5)."""

from __future__ import annotations

from collections.abc import Iterator

from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule

MESSAGE = Text(
    "件名(Subject)がありません。受信者は件名を見て、何の用件か、すぐ読むべきかを判断します。"
    "内容がひと目で分かる件名を付けてください(例:「第3回レポートの提出について」)。",
    "The message has no Subject. Readers decide from the subject what a mail is about and "
    'whether to read it now; add one that names the matter (e.g. "Submitting report 3").',
)


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Find a missing or blank Subject."""
    if mail.subject is None or not mail.subject.strip():
        yield Hit(MESSAGE)


RULE = Rule("no-subject", "error", check)
