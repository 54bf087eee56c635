"""``no-sender-name``: a mail names its writer, at the start or in a closing/signature."""

from __future__ import annotations

from collections.abc import Iterator

from hato.manners._body import Body, split_body
from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule
from hato.manners.rules._names import SenderName, sender_name
from hato.manners.rules._sender import is_closing_phrase, is_self_introduction, signs

MESSAGE = Text(
    "本文に差出人の名前がありません。メールアドレスだけでは誰からのメールか分からないことが"
    "あります。冒頭で「情報科学科の山田です。」と名乗るか、最後に名前か署名を書いてください。",
    "The body never names its writer; an address alone often does not tell the reader who "
    'wrote. Introduce yourself at the start ("This is Taro Yamada from ...") or sign with '
    "your name or a signature at the end.",
)


def names_writer(body: Body, sender: SenderName, context: Context) -> bool:
    """Tell whether the writer's opening lines, closing lines or signature name the writer."""
    if body.signature:
        return True
    opening = body.writer[: context.settings.addressee_lines + 3]
    if any(is_self_introduction(line.text, sender) for line in opening):
        return True
    closing = [line.text for line in body.writer[-context.settings.closing_lines :]]
    return any(
        signs(text, sender, after_closing=index > 0 and is_closing_phrase(closing[index - 1]))
        for index, text in enumerate(closing)
    )


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Find a body that neither introduces its writer nor signs off with a name."""
    body = split_body(mail.lines)
    if not names_writer(body, sender_name(mail), context):
        yield Hit(MESSAGE, body.writer[-1].number if body.writer else None)


RULE = Rule("no-sender-name", "warning", check)
