"""``non-standard-charset``: Japanese mail is ISO-2022-JP (RFC 1468) or UTF-8."""

from __future__ import annotations

from collections.abc import Iterator

from hato.manners._decode import codec_name
from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail
from hato.manners._rule import Context, Rule
from hato.manners.rules._text import BODY, JAPANESE, SUBJECT

STANDARD = frozenset(("iso2022_jp", "utf-8"))


def explain(where: Text, charset: str) -> Text:
    """Explain why Japanese text in *where* should not be declared as *charset*."""
    return Text(
        f"{where.ja}の日本語が {charset} で送られています。電子メールの日本語は JIS コード"
        f"(ISO-2022-JP)か UTF-8 が標準で、{charset} は相手の環境によっては文字化けします。"
        "メールソフトの設定で文字コードを ISO-2022-JP か UTF-8 にしてください。",
        f"Japanese text in {where.en} is sent as {charset}. Japanese mail is sent in JIS code "
        f"(ISO-2022-JP) or UTF-8; {charset} may be garbled on the reader's side. Set your "
        "mail program's text encoding to ISO-2022-JP or UTF-8.",
    )


def _standard(charset: str) -> bool:
    return codec_name(charset) in STANDARD


def _field(name: str) -> Text:
    if name == "subject":
        return SUBJECT
    return Text(f"{name.title()} ヘッダ", f"the {name.title()} field")


def _places(mail: Mail) -> Iterator[tuple[Text, str]]:
    """Yield (where, charset) for each header field and part with misdeclared Japanese."""
    for word in mail.words:
        if JAPANESE.search(word.text) and not _standard(word.charset):
            yield _field(word.field), word.charset
    for part in mail.parts:
        if part.charset and JAPANESE.search(part.text) and not _standard(part.charset):
            yield BODY, part.charset


def check(mail: Mail, context: Context) -> Iterator[Hit]:
    """Find Japanese text declared in a charset other than ISO-2022-JP or UTF-8."""
    for where, charset in dict.fromkeys(_places(mail)):
        yield Hit(explain(where, charset))


RULE = Rule("non-standard-charset", "warning", check)
