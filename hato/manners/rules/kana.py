"""``halfwidth-kana``: JIS code (ISO-2022-JP, RFC 1468) has no half-width katakana."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule
from hato.manners.rules._text import hits_for

_RUNS = re.compile("[\uff61-\uff9f]+")


def _found(text: str) -> str:
    """Return the runs of half-width kana in *text*, once each, separated by spaces."""
    return " ".join(dict.fromkeys(_RUNS.findall(text)))


def explain(where: Text, chars: str) -> Text:
    """Explain the half-width kana *chars* found in *where* and their full-width forms."""
    full = unicodedata.normalize("NFKC", chars)
    return Text(
        f"{where.ja}に半角カナ「{chars}」があります。電子メールは JIS コード(ISO-2022-JP)"
        "が基本で、半角カナは含まれないため、相手の環境で文字化けすることがあります。"
        f"全角カナ「{full}」で書いてください。",
        f'Half-width katakana "{chars}" in {where.en}. Mail is written in JIS code '
        "(ISO-2022-JP), which has no half-width kana, so they may be garbled on the "
        f'reader\'s side. Write them full-width: "{full}".',
    )


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Find half-width katakana in the Subject and each body line."""
    return hits_for(mail, _found, explain)


RULE = Rule("halfwidth-kana", "warning", check)
