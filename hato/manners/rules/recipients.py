"""``exposed-recipients``: many addresses in To and Cc belong in Bcc."""

from __future__ import annotations

from collections.abc import Iterator

from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule


def explain(count: int, limit: int) -> Text:
    """Explain why *count* visible addresses (*limit* or more) are too many."""
    return Text(
        f"To と Cc に合わせて {count} 件のアドレスがあります({limit} 件以上)。"
        "To と Cc のアドレスは受信者全員に見えてしまい、互いに知らない人のアドレスを"
        "漏らすことになります。一斉送信では宛先を Bcc に入れてください"
        "(To には自分のアドレスなどを入れます)。",
        f"{count} addresses in To and Cc together ({limit} or more). Every recipient sees "
        "every To and Cc address, which gives people's addresses away to strangers; when "
        "writing to many people, put them in Bcc (and your own address in To).",
    )


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Count the distinct addresses in To and Cc against the configured limit."""
    visible = {address.addr for address in mail.to + mail.cc}
    limit = context.settings.exposed_recipients_limit
    if len(visible) >= limit:
        yield Hit(explain(len(visible), limit))


RULE = Rule("exposed-recipients", "warning", check)
