"""``no-addressee``: a mail opens by naming its reader (山田様, Dear Ms. Smith)."""

from __future__ import annotations

from collections.abc import Iterator

from hato.manners._body import split_body
from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule
from hato.manners.rules._addressee import is_addressee

MESSAGE = Text(
    "本文の最初に宛名がありません。メールは誰に宛てたものかを最初に示すのがマナーです。"
    "本文の1行目に「山田様」「〇〇先生」「関係者各位」のように相手の名前を書いてください。",
    "The body does not open by naming its reader. A mail says first whom it is written to: "
    'begin the body with the reader\'s name ("Dear Ms. Yamada,", "Hi Taro,", "Hello all,").',
)


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Look for an addressee in the writer's first lines (quotations skipped)."""
    opening = split_body(mail.lines).writer[: context.settings.addressee_lines]
    if not any(is_addressee(line.text) for line in opening):
        yield Hit(MESSAGE, opening[0].number if opening else None)


RULE = Rule("no-addressee", "warning", check)
