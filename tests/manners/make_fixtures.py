"""Write the .eml fixtures of the manners tests (run: python tests/manners/make_fixtures.py).

The files are committed; this script documents how their bytes came about, in particular
ISO-2022-JP carrying CP932 characters as Windows mailers send it (CP50220).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from sender_corpus import NAMED, NAMELESS

HERE = Path(__file__).parent / "fixtures"


def sjis_to_jis(s1: int, s2: int) -> bytes:
    """Map a Shift_JIS double-byte code to its two 7-bit JIS bytes."""
    row = (s1 - (0x81 if s1 <= 0x9F else 0xC1)) * 2 + 0x21
    if s2 >= 0x9F:
        return bytes((row + 1, s2 - 0x7E))
    return bytes((row, s2 - (0x1F if s2 < 0x80 else 0x20)))


def iso2022jp_ms(text: str) -> bytes:
    """Encode *text* as ISO-2022-JP, writing CP932-only characters in their JIS rows."""
    out, jis = bytearray(), False
    for char in text:
        if char.isascii():
            out += b"\x1b(B" if jis else b""
            out += char.encode()
            jis = False
            continue
        sjis = char.encode("cp932")
        out += b"" if jis else b"\x1b$B"
        out += sjis_to_jis(sjis[0], sjis[1])
        jis = True
    return bytes(out + (b"\x1b(B" if jis else b""))


def word(text: str, charset: str = "UTF-8") -> str:
    """An RFC 2047 B-encoded word."""
    data = iso2022jp_ms(text) if charset == "ISO-2022-JP" else text.encode(charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def message(headers: list[tuple[str, str]], body: bytes, content_type: str, cte: str) -> bytes:
    """Assemble a message with CRLF line ends, as mail clients save them."""
    lines = [f"{name}: {value}" for name, value in headers]
    lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}"]
    lines += [f"Content-Transfer-Encoding: {cte}"] if cte else []
    head = "\r\n".join(lines).encode() + b"\r\n\r\n"
    return head + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def base_headers(
    subject: str | None, to: str = "yamada@example.ac.jp", **extra: str
) -> list[tuple[str, str]]:
    sender = extra.pop("from_", f"{word('鈴木 花子')} <suzuki@example.ac.jp>")
    headers = [
        ("From", sender),
        ("To", to),
        ("Date", "Mon, 13 May 2024 10:00:00 +0900"),
        ("Message-ID", extra.pop("message_id", "<fixture@example.ac.jp>")),
    ]
    if subject is not None:
        headers.insert(2, ("Subject", subject))
    headers += [(name.replace("_", "-").title(), value) for name, value in extra.items()]
    return headers


def jis_mail(subject: str | None, body: str, **extra: str) -> bytes:
    headers = base_headers(subject and word(subject, "ISO-2022-JP"), **extra)
    return message(headers, iso2022jp_ms(body), 'text/plain; charset="ISO-2022-JP"', "7bit")


def utf8_mail(subject: str | None, body: str, **extra: str) -> bytes:
    headers = base_headers(subject, **extra)
    data = base64.encodebytes(body.encode())
    return message(headers, data, "text/plain; charset=UTF-8", "base64")


POLITE_JA = """〇〇様

お世話になっております。情報科学科の鈴木です。

第3回レポートを添付いたしましたので、ご確認ください。
提出が遅れてしまい申し訳ありません。

よろしくお願いいたします。

--
鈴木 花子 (Hanako Suzuki)
情報科学科 3年
suzuki@example.ac.jp
"""

POLITE_EN = """Dear Professor Yamada,

I have attached my third report. I am sorry it is late.

Best regards,
Hanako Suzuki
"""

ORIGINAL = """Suzuki-san,

Could you send me the draft of the slides by Friday?

Thanks,
Alice
"""

REPLY = """Alice,

Here is the draft. Dave will review it too.

Hanako

On Mon, 13 May 2024 09:00 Alice <alice@example.org> wrote:
> Suzuki-san,
>
> Could you send me the draft of the slides by Friday?
"""

ORIGINAL_JA = """鈴木さん

山田です。
来週のゼミですが、水曜日の3限でよいでしょうか。

山田
"""

REPLY_JA = """山田先生

鈴木です。
水曜日の3限で大丈夫です。

鈴木

2024年5月13日(月) 9:00 Yamada <yamada@example.ac.jp>:
> 鈴木さん
>
> 山田です。
> 来週のゼミですが、水曜日の3限でよいでしょうか。
"""

HTML = """<html><body><p>山田先生</p><p>情報科学科の鈴木です。<br>レポートを提出します。</p>
<p>鈴木 花子</p></body></html>
"""


def html_alternative() -> bytes:
    boundary = "=-alt-="
    part = (
        f"--{boundary}\nContent-Type: text/%s; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
    )
    parts = [
        part % "plain"
        + "山田先生\n\n情報科学科の鈴木です。\nレポートを提出します。\n\n鈴木 花子\n",
        part % "html" + HTML,
        f"--{boundary}--\n",
    ]
    headers = base_headers(word("レポート提出"))
    return message(
        headers, "".join(parts).encode(), f'multipart/alternative; boundary="{boundary}"', ""
    )


def _fits_jis(text: str) -> bool:
    try:
        text.encode("iso2022_jp")
    except UnicodeEncodeError:
        return False
    return True


def from_header(value: str) -> str:
    """A From field for "Display Name <addr>": encoded words or quotes where needed."""
    name, addr = re.fullmatch(r"(.*?)\s*(<[^>]*>)", value).groups()  # type: ignore[union-attr]
    if not name.isascii():
        name = word(name, "ISO-2022-JP" if _fits_jis(name) else "UTF-8")
    elif re.search(r"[,.()]", name):
        name = f'"{name}"'
    return f"{name} {addr}".strip()


def sender_fixtures() -> dict[str, bytes]:
    """The no-sender-name corpus: ISO-2022-JP where the body fits it, UTF-8 otherwise."""
    found: dict[str, bytes] = {}
    for name, (sender, body) in {**NAMED, **NAMELESS}.items():
        extra = {"from_": from_header(sender)}
        japanese = not body.isascii() and _fits_jis(body)
        build = jis_mail if japanese else utf8_mail
        found[f"sender/{name}.eml"] = build("Re: 連絡" if japanese else "Re: Notice", body, **extra)
    return found


def fixtures() -> dict[str, bytes]:
    many = ", ".join(f"student{n}@example.ac.jp" for n in range(1, 9))
    return {
        "polite_ja_iso2022jp.eml": jis_mail("第3回レポートの提出", POLITE_JA),
        "polite_en_utf8.eml": utf8_mail("Report 3", POLITE_EN),
        "no_subject_ja.eml": jis_mail(None, POLITE_JA),
        "blank_subject_en.eml": utf8_mail("   ", POLITE_EN),
        "no_addressee_ja.eml": jis_mail("質問", POLITE_JA.replace("〇〇様\n\n", "")),
        "no_sender_ja.eml": jis_mail(
            "明日の件", "山田様\n\n明日の件、了解しました。\nよろしくお願いします。\n"
        ),
        "no_sender_en.eml": utf8_mail(
            "Tomorrow", "Hi Bob,\n\nSee you tomorrow at 3.\n\nBest regards,\n"
        ),
        "original.eml": utf8_mail(
            "Slides",
            ORIGINAL,
            message_id="<orig@example.org>",
            to="suzuki@example.ac.jp",
            from_="Alice <alice@example.org>",
            cc="carol@example.org",
        ),
        "reply_new_recipient.eml": utf8_mail(
            "Re: Slides",
            REPLY,
            message_id="<reply1@example.ac.jp>",
            to="alice@example.org, dave@example.org",
            in_reply_to="<orig@example.org>",
        ),
        "reply_same_people.eml": utf8_mail(
            "Re: Slides",
            REPLY.replace("Dave will review it too.", "Carol, please have a look."),
            message_id="<reply2@example.ac.jp>",
            to="alice@example.org",
            cc="carol@example.org",
            in_reply_to="<orig@example.org>",
        ),
        "reply_unquoted.eml": utf8_mail(
            "Re: Slides",
            REPLY.split("On Mon")[0],
            message_id="<reply3@example.ac.jp>",
            to="alice@example.org, dave@example.org",
            in_reply_to="<orig@example.org>",
        ),
        "original_ja.eml": jis_mail(
            "ゼミの日程",
            ORIGINAL_JA,
            message_id="<orig-ja@example.ac.jp>",
            from_="Yamada <yamada@example.ac.jp>",
            to="suzuki@example.ac.jp",
        ),
        "reply_ja_new_cc.eml": jis_mail(
            "Re: ゼミの日程",
            REPLY_JA,
            message_id="<reply-ja@example.ac.jp>",
            to="yamada@example.ac.jp",
            cc="tanaka@example.ac.jp",
            in_reply_to="<orig-ja@example.ac.jp>",
            references="<orig-ja@example.ac.jp>",
        ),
        "reply_ja_ok.eml": jis_mail(
            "Re: ゼミの日程",
            REPLY_JA,
            message_id="<reply-ja2@example.ac.jp>",
            to="yamada@example.ac.jp",
            references="<orig-ja@example.ac.jp>",
        ),
        "exposed_recipients.eml": utf8_mail(
            "Party", POLITE_EN, to=many, cc="a@example.org, b@example.org"
        ),
        "html_only.eml": message(
            base_headers(word("レポート提出")), HTML.encode(), "text/html; charset=UTF-8", "8bit"
        ),
        "html_alternative.eml": html_alternative(),
        "halfwidth_kana_sjis.eml": message(
            base_headers(word("ﾚﾎﾟｰﾄ提出", "Shift_JIS")),
            POLITE_JA.replace("第3回レポート", "第3回ﾚﾎﾟｰﾄ").encode("cp932"),
            "text/plain; charset=Shift_JIS",
            "8bit",
        ),
        "machine_dependent_iso2022jp.eml": jis_mail(
            "①レポート提出", POLITE_JA.replace("第3回", "第Ⅲ回").replace("情報科学科", "㈱情報")
        ),
        "machine_dependent_utf8.eml": utf8_mail(
            "髙橋先生への質問", POLITE_JA.replace("3年", "③年")
        ),
        "eucjp.eml": message(
            base_headers(word("レポート提出", "EUC-JP")),
            POLITE_JA.encode("euc_jp"),
            "text/plain; charset=EUC-JP",
            "8bit",
        ),
        "unknown_charset.eml": message(
            base_headers("Test"), b"Hello", "text/plain; charset=x-no-such-charset", "7bit"
        ),
        "binary.eml": bytes(range(256)) * 4,
        "empty.eml": b"",
        "not_a_message.eml": "これはメールではありません。\nただのテキストです。\n".encode(),
    } | sender_fixtures()


def main() -> None:
    """Write every fixture."""
    (HERE / "sender").mkdir(parents=True, exist_ok=True)
    for name, data in fixtures().items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
