"""``quoted-to-new-recipients``: do not forward someone's words to people who never had them.

The replied-to message is found in the mailbox by the reply's In-Reply-To, then its
References, newest first (RFC 5322 section 3.6.4). Its sides are its From, Reply-To, To, Cc
and Bcc; a recipient of the reply on neither side, other than the writer, is new.
"""

from __future__ import annotations

from collections.abc import Iterator

from hato.manners._body import split_body
from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule


def explain(new: list[str]) -> Text:
    """Explain why quoting to the *new* addresses needs the original writer's consent."""
    who = ", ".join(new)
    return Text(
        f"返信で元のメールを引用したまま、元のメールの送信者・宛先になかった {who} に送ろうと"
        "しています。引用したメールを、元の送信者の許可なく無関係な人に見せてはいけません。"
        "その宛先を外すか、引用を削るか、元の送信者の了承を得てください。",
        f"This reply quotes the message it answers and also goes to {who}, not among that "
        "message's sender and recipients. Do not show someone's mail to others without their "
        "consent: remove those recipients, remove the quotation, or ask the original sender.",
    )


def replied_to(mail: Mail, context: Context) -> Mail | None:
    """Find the message *mail* replies to in the mailbox."""
    for message_id in (*mail.in_reply_to, *reversed(mail.references)):
        if message_id in context.mailbox:
            return context.mailbox[message_id]
    return None


def _quoted_line(mail: Mail, original: Mail) -> int | None:
    """Return the first line quoting *original*, or None when the reply quotes nothing."""
    body = split_body(mail.lines)
    if body.quoted:
        return body.quoted[0].number
    theirs = {line.strip() for line in original.lines if len(line.strip()) >= 10}
    return next((n for n, line in enumerate(mail.lines, 1) if line.strip() in theirs), None)


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Find recipients of a quoting reply who were on neither side of the original."""
    original = replied_to(mail, context)
    if original is None:
        return
    line = _quoted_line(mail, original)
    if line is None:
        return
    sides = {a.addr for a in original.sender + original.reply_to + original.recipients}
    sides.update(a.addr for a in mail.sender)
    new = list(dict.fromkeys(a.addr for a in mail.recipients if a.addr not in sides))
    if new:
        yield Hit(explain(new), line)


RULE = Rule("quoted-to-new-recipients", "warning", check)
