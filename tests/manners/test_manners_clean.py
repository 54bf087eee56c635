"""False positives matter: ordinary polite mail, Japanese and English, comes back clean."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Ids = Callable[..., list[str]]

POLITE = {
    "biz_ja": """株式会社〇〇
営業部 山田太郎様

いつもお世話になっております。
株式会社△△の佐藤でございます。

先日はお打ち合わせのお時間をいただき、誠にありがとうございました。
資料を添付いたしますので、ご査収のほどよろしくお願い申し上げます。

――――――――――――――――
株式会社△△ 営業部
佐藤 次郎
TEL: 03-1234-5678
――――――――――――――――
""",
    "student": """山田先生

情報科学科3年の鈴木花子です。
本日の講義を体調不良のため欠席いたしました。
課題の提出方法について教えていただけますでしょうか。

お忙しいところ恐縮ですが、よろしくお願いいたします。

鈴木花子
""",
    "casual_ja": """田中さん

おつかれさまです、鈴木です。
明日の飲み会、19時からで大丈夫です！

では、よろしくー
鈴木
""",
    "en_formal": """Dear Dr. Smith,

Thank you for your email. I would be happy to join the meeting on Friday.
Please let me know if there is anything I should prepare.

Sincerely,

Hanako Suzuki
Graduate School of Informatics
""",
    "en_casual": """Hey Tom,

Sounds good, see you at 7!

- Hanako
""",
    "en_top_post": """Hi Alice,

Thanks, that works for me.

Hanako

On Mon, May 13, 2024 at 9:00 AM Alice Smith <alice@example.org> wrote:
> Hi Hanako,
> Does Friday work?
> Alice
""",
    "ja_bottom": """山田先生

2024年5月13日(月) 9:00 山田 <yamada@example.ac.jp>:
> 来週のゼミは水曜日でよいですか。

はい、大丈夫です。

鈴木
""",
    "ja_kakui": """関係者各位

情報基盤センターの佐藤です。
5月20日(月)の10時〜12時にメールサーバのメンテナンスを行います。
ご不便をおかけしますが、ご理解のほどよろしくお願いいたします。

以上

--
情報基盤センター 佐藤
""",
    "ja_minasama": """研究室の皆様

お疲れ様です。M1の鈴木です。
来週の輪講は休みとなります。

鈴木
""",
    "en_dear_all": """Dear all,

The seminar is moved to room 301.

Best,
Hanako
""",
    "ja_name_first": """山田さん
こんにちは。鈴木です。
了解しました。ありがとうございます！
""",
    "mobile_sig": """Hi Bob,

On my way.

Taro
Sent from my iPhone
""",
    "en_regards_name_same_line": """Hello Professor Lee,

Attached is my report.

Regards, Hanako Suzuki
""",
}

IMPOLITE = {
    "no_name_ja": "山田先生\n\n明日のゼミを欠席します。\nよろしくお願いします。\n",
    "no_name_ja2": "山田先生\n\n質問です。\n課題の締切はいつですか。\n",
    "no_name_ja3": "山田先生\n\nレポートを提出します。\n確認お願いします。\n",
    "no_both": "明日休みます\n",
    "no_both_en": "can you send me the slides\n",
    "line_kyou": "山田先生\n\n今日の講義資料はどこにありますか？\n",
    "sms_style": "了解\n",
    "no_name_en": "Dear Professor,\n\nPlease find my report attached.\n\nThank you.\n",
}


@pytest.mark.parametrize("charset", ["utf-8", "iso-2022-jp"])
@pytest.mark.parametrize("name", sorted(POLITE))
def test_polite_mail_is_clean(lint_ids: Ids, name: str, charset: str) -> None:
    assert lint_ids(POLITE[name], sender="<h@example.org>", charset=charset) == []


EXPECTED = {
    "no_name_ja": ["no-sender-name"],
    "no_name_ja2": ["no-sender-name"],
    "no_name_ja3": ["no-sender-name"],
    "no_both": ["no-addressee", "no-sender-name"],
    "no_both_en": ["no-addressee", "no-sender-name"],
    "line_kyou": ["no-sender-name"],
    "sms_style": ["no-addressee", "no-sender-name"],
    "no_name_en": ["no-sender-name"],
}


@pytest.mark.parametrize("name", sorted(IMPOLITE))
def test_impolite_mail_is_found(lint_ids: Ids, name: str) -> None:
    assert lint_ids(IMPOLITE[name], sender="<h@example.org>") == EXPECTED[name]
