"""``html-mail``: send plain text; the reader's program may not show HTML."""

from __future__ import annotations

from collections.abc import Iterator

from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule

WITH_ALTERNATIVE = Text(
    "HTMLメールです(text/plain の代替部分は付いています)。相手のメールソフトが HTML を"
    "表示できるとは限らず、サイズも大きくなります。メールソフトの設定でテキスト形式"
    "(プレーンテキスト)にして送ってください。",
    "This is HTML mail (a text/plain alternative is included). The reader's mail program "
    "may not display HTML, and it makes the mail larger; set your mail program to send "
    "plain text.",
)
WITHOUT_ALTERNATIVE = Text(
    "HTMLメールで、text/plain の代替部分がありません。HTML を表示できないメールソフトでは"
    "本文を読めません。メールソフトの設定でテキスト形式(プレーンテキスト)にして"
    "送ってください。",
    "This is HTML mail without a text/plain alternative: a mail program that does not "
    "display HTML cannot show the body at all. Set your mail program to send plain text.",
)


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Find an inline text/html part and say whether a text/plain alternative exists."""
    if not any(part.content_type == "text/html" for part in mail.parts):
        return
    alternative = any(
        part.content_type == "text/plain" and part.parent == "multipart/alternative"
        for part in mail.parts
    )
    yield Hit(WITH_ALTERNATIVE if alternative else WITHOUT_ALTERNATIVE)


RULE = Rule("html-mail", "warning", check)
