"""``no-sender-name``: a mail names its writer, at the start or in a closing/signature."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hato.manners._body import Body, split_body
from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule
from hato.manners.rules._addressee import is_addressee
from hato.manners.rules._sender import is_name_like, is_self_introduction

MESSAGE = Text(
    "本文に差出人の名前がありません。メールアドレスだけでは誰からのメールか分からないことが"
    "あります。冒頭で「情報科学科の山田です。」と名乗るか、最後に名前か署名を書いてください。",
    "The body never names its writer; an address alone often does not tell the reader who "
    'wrote. Introduce yourself at the start ("This is Taro Yamada from ...") or sign with '
    "your name or a signature at the end.",
)


def _from_names(mail: Mail) -> list[str]:
    """The words of the From display names worth looking for (two characters or more)."""
    return [w for a in mail.sender for w in re.split(r"[\s,.()]+", a.name) if len(w) >= 2]


def names_writer(body: Body, mail: Mail, context: Context) -> bool:
    """Tell whether the writer's lines or signature name the writer."""
    if body.signature:
        return True
    opening = body.writer[: context.settings.addressee_lines + 3]
    if any(is_self_introduction(line.text) for line in opening):
        return True
    names = _from_names(mail)
    return any(_signs(line.text, names) for line in body.writer[-context.settings.closing_lines :])


def _signs(text: str, names: list[str]) -> bool:
    """Tell whether a closing line is the writer's name (or holds the From name)."""
    if is_addressee(text):
        return False
    return is_name_like(text) or any(name in text for name in names)


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Find a body that neither introduces its writer nor signs off with a name."""
    body = split_body(mail.lines)
    if not names_writer(body, mail, context):
        yield Hit(MESSAGE, body.writer[-1].number if body.writer else None)


RULE = Rule("no-sender-name", "warning", check)
