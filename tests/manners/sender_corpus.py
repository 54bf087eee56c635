"""Real-looking mails for ``no-sender-name``: (From, body) by file name.

``named_*`` mails name their writer (the rule must stay quiet), ``nameless_*`` mails do not
(the rule must fire). make_fixtures.py writes them to fixtures/sender/, Japanese ones in
ISO-2022-JP, the others in UTF-8.
"""

from __future__ import annotations

YAMADA_QUOTE = """
2024年5月13日(月) 9:00 鈴木 花子 <suzuki@example.ac.jp>:
> 山田さん
>
> 情報科学科の鈴木です。
> 明日のゼミの資料を送ります。
>
> 鈴木花子
"""

ALICE_QUOTE = """
On Mon, May 13, 2024 at 9:00 AM Alice Smith <alice@example.org> wrote:
> Hi,
>
> This is Alice. Could you send me the draft by Friday?
>
> Thanks,
> Alice
"""

OUTLOOK_JA = """
-----Original Message-----
From: 山田 太郎 <yamada@example.ac.jp>
Sent: Monday, May 13, 2024 9:00 AM
To: 鈴木 花子 <suzuki@example.ac.jp>
Subject: 打ち合わせ

鈴木さん

山田です。
明日の打ち合わせは10時からでお願いします。

山田
"""

NAMED: dict[str, tuple[str, str]] = {
    "named_common_noun_surname_sig": (
        "<hayashi@example.jp>",
        "田中さん\n\n了解です。明日持っていきます。\n\n林より\n",
    ),
    # A reply signed in kanji while From spells the name in romaji.
    "named_reply_kanji_sig_romaji_from": (
        "Yamada Taro <t-yamada@example.ac.jp>",
        "鈴木さん\n\n資料ありがとうございます。確認しました。\n\n山田太郎\n" + YAMADA_QUOTE,
    ),
    "named_reply_surname_upper_from": (
        "YAMADA Taro <taro@example.ac.jp>",
        "鈴木さん\n\n了解しました。明日伺います。\n\n山田\n" + YAMADA_QUOTE,
    ),
    "named_hiragana_sig": (
        "Taro Yamada <taro@example.ac.jp>",
        "鈴木さん\n\nありがとう、助かりました！\n\nやまだ\n",
    ),
    "named_katakana_sig_kanji_from": (
        "山田 太郎 <taro@example.ac.jp>",
        "鈴木さん\n\n了解です。明日よろしくお願いします。\n\nヤマダ タロウ\n",
    ),
    "named_en_sig_kanji_from": (
        "山田太郎 <taro@example.ac.jp>",
        "Dear Ms. Smith,\n\nThank you for the slides. I will read them by Friday.\n\n"
        "Best regards,\nTaro Yamada\n",
    ),
    "named_en_initial_sig": (
        "山田 太郎 <t-yamada@example.ac.jp>",
        "Hi Alice,\n\nThe draft is attached.\n\nT. Yamada\n",
    ),
    "named_en_initials_only": (
        "Taro Yamada <taro@example.ac.jp>",
        "Hi Alice,\n\nGot it, thanks. Will fix it tonight.\n\nT.Y.\n",
    ),
    "named_given_name_comma_from": (
        "Yamada, Taro <taro@example.ac.jp>",
        "Hi Alice,\n\nSure, see you at 3.\n\nTaro\n",
    ),
    "named_sato_long_vowel_from": (
        "Jiro Satoh <j.satoh@example.co.jp>",
        "田中様\n\nいつもお世話になっております。\n見積書を添付いたしますので、ご確認ください。\n\n"
        "よろしくお願いいたします。\n佐藤\n",
    ),
    "named_macron_from": (
        "Satō Kōji <koji@example.ac.jp>",
        "田中先生\n\n来週の発表の資料を送ります。\nご確認をお願いします。\n\n佐藤浩二\n",
    ),
    "named_ohno_from": (
        "Ohno Ken <ohno@example.ac.jp>",
        "田中先生\n\n大野です。\n本日の実験の結果を共有します。\n",
    ),
    "named_itoh_from": (
        "Itoh Misaki <itoh@example.co.jp>",
        "山田様\n\n承知いたしました。\n明日までに修正版をお送りします。\n\n伊藤\n",
    ),
    "named_rendaku_from": (
        "Nakashima Yui <nakashima@example.ac.jp>",
        "山田さん\n\n了解しました！\n当日は受付を担当します。\n\n中島\n",
    ),
    "named_intro_affiliation": (
        "<s2412345@example.ac.jp>",
        "山田先生\n\nお世話になっております。情報ネットワークの山田太郎です。\n"
        "卒業研究の進捗を報告いたします。\n",
    ),
    "named_intro_surname_only": (
        "<s2412345@example.ac.jp>",
        "田中さん\n\n山田です。\n明日のゼミは欠席します。\n",
    ),
    "named_intro_m1": (
        "<m1-student@example.ac.jp>",
        "研究室の皆様\n\nお疲れ様です。M1の鈴木です。\n来週の輪講は休みとなります。\n",
    ),
    "named_intro_moushimasu": (
        "<s2400001@example.ac.jp>",
        "山田先生\n\nはじめまして。情報科学科1年の佐藤花子と申します。\n"
        "授業の履修について質問があり、ご連絡いたしました。\n",
    ),
    "named_intro_common_noun_surname": (
        "Hayashi Ken <hayashi@example.ac.jp>",
        "鈴木さん\n\nお疲れ様です、林です。\n明日の会議室を予約しました。\n",
    ),
    "named_intro_from_address_only": (
        "<hayashi@example.ac.jp>",
        "鈴木さん\n\n林です。\n明日の会議室を予約しました。\n",
    ),
    "named_ja_signature_block": (
        "<suzuki@example.ac.jp>",
        "山田先生\n\nレポートを提出します。\nよろしくお願いいたします。\n\n-- \n"
        "鈴木 花子 (Hanako Suzuki)\n情報科学科 3年\n",
    ),
    "named_en_signature_block": (
        "<hanako@example.org>",
        "Dear Dr. Lee,\n\nPlease find the revised manuscript attached.\n\n-- \n"
        "Hanako Suzuki\nGraduate School of Informatics\n",
    ),
    "named_en_this_is": (
        "<hanako@example.org>",
        "Hi Bob,\n\nThis is Hanako from the lab. Could you lend me your charger?\n",
    ),
    "named_en_i_am": (
        "<s1@example.ac.jp>",
        "Dear Professor Lee,\n\nI'm Taro Yamada, a first-year student in your class.\n"
        "May I ask about the assignment?\n",
    ),
    "named_en_my_name_is": (
        "<s2@example.ac.jp>",
        "Dear Sir or Madam,\n\nMy name is Hanako Suzuki and I am applying for the position.\n",
    ),
    "named_en_here": (
        "<hanako@example.org>",
        "Hi all,\n\nHanako here. The room for tomorrow is 301.\n",
    ),
    "named_en_best_single_name": (
        "<ken@example.org>",
        "Hi Tom,\n\nThe meeting moved to Thursday.\n\nBest,\nKen\n",
    ),
    "named_en_cheers_lowercase": (
        "<hanako@example.org>",
        "Hey Tom,\n\nSounds good, see you at 7!\n\nCheers,\nhanako\n",
    ),
    "named_ja_haiku": (
        "<suzuki@example.ac.jp>",
        "山田先生\n\n先日はありがとうございました。\n引き続きよろしくお願いいたします。\n\n鈴木拝\n",
    ),
    "named_ja_yori": (
        "<suzuki@example.ac.jp>",
        "田中さん\n\n明日の飲み会、19時からで大丈夫です！\n\n鈴木より\n",
    ),
    "named_ja_affiliation_and_name": (
        "<s2400002@example.ac.jp>",
        "山田先生\n\n課題を提出します。\nよろしくお願いします。\n\n情報科学科 3年 鈴木花子\n",
    ),
    "named_variant_kanji": (
        "Takahashi Ken <takahashi@example.co.jp>",
        "山田様\n\nご連絡ありがとうございます。\n承知いたしました。\n\n髙橋\n",
    ),
    "named_en_top_post_reply": (
        "Hanako Suzuki <hanako@example.org>",
        "Hi Alice,\n\nHere is the draft. Let me know what you think.\n\nHanako\n" + ALICE_QUOTE,
    ),
    "named_en_bottom_post_reply": (
        "Hanako Suzuki <hanako@example.org>",
        "Hi Alice,\n" + ALICE_QUOTE + "\nSure, it is attached.\n\nHanako\n",
    ),
    "named_ja_outlook_reply": (
        "鈴木 花子 <suzuki@example.ac.jp>",
        "山田さん\n\n鈴木です。\n承知しました。10時に伺います。\n" + OUTLOOK_JA,
    ),
    "named_hiragana_given_name": (
        "Suzuki Hanako <hanako@example.ac.jp>",
        "たなかさん\n\nきょうはありがとう！またね。\n\nはなこ\n",
    ),
    "named_en_regards_same_line": (
        "<hanako@example.org>",
        "Hello Professor Lee,\n\nAttached is my report.\n\nRegards, Hanako Suzuki\n",
    ),
    "named_ja_closing_then_name": (
        "<suzuki@example.ac.jp>",
        "山田さん\n\n了解しました。\n以上、よろしくお願いします。\n鈴木\n",
    ),
    "named_ja_rule_line_signature": (
        "<sato@example.co.jp>",
        "株式会社〇〇\n営業部 山田太郎様\n\nいつもお世話になっております。\n"
        "資料を添付いたします。\n\n"
        "――――――――――――――――\n株式会社△△ 営業部\n佐藤 次郎\nTEL: 03-1234-5678\n",
    ),
    "named_en_sent_from_phone": (
        "<taro@example.org>",
        "Hi Bob,\n\nOn my way.\n\nTaro\nSent from my iPhone\n",
    ),
    "named_ja_fullwidth_space": (
        "<suzuki@example.ac.jp>",
        "山田先生\n\n明日の面談の時間を変更していただけますか。\n\n鈴木　花子\n",
    ),
    "named_en_title_and_role": (
        "<h.suzuki@example.ac.jp>",
        "Dear colleagues,\n\nThe seminar is moved to room 301.\n\nDr. Hanako Suzuki\n"
        "Associate Professor\n",
    ),
    "named_romaji_sig_kanji_from": (
        "鈴木 花子 <suzuki@example.ac.jp>",
        "Hi Alice,\n\nThanks for the notes!\n\nHanako\n",
    ),
    "named_en_yours_sincerely": (
        "John Smith <john@example.org>",
        "Dear Dr. Tanaka,\n\nThank you for your kind invitation.\n\n"
        "Yours sincerely,\n\nJohn Smith\n",
    ),
    "named_katakana_from_kanji_sig": (
        "タナカ <tanaka@example.co.jp>",
        "山田さん\n\n了解しました。\n\n田中\n",
    ),
    "named_ja_sentence_then_name": (
        "Yamada Taro <taro@example.ac.jp>",
        "鈴木さん\n\n資料を確認しました。問題ありません。よろしくお願いします。山田太郎\n",
    ),
    "named_en_dash_name": (
        "<hanako@example.org>",
        "Hey Tom,\n\nSounds good, see you at 7!\n\n- Hanako\n",
    ),
    "named_given_name_intro_ja": (
        "Suzuki Hanako <hanako@example.ac.jp>",
        "ゆいちゃん\n\nはなこです！\n明日のランチ、12時に駅前でどうかな？\n",
    ),
}

NAMELESS: dict[str, tuple[str, str]] = {
    # The From surname is an ordinary word (森: forest) in a sentence, not a signature.
    "nameless_from_surname_as_word": (
        "Mori Aya <aya@example.jp>",
        "田中さん\n\n了解しました。\n明日、森の写真を送ります。\n",
    ),
    "nameless_rain": ("<s2400003@example.ac.jp>", "山田さん\n\n明日は雨です。\n"),
    "nameless_ryoukai_desu": ("<s2400003@example.ac.jp>", "山田先生\n\n了解です。\n"),
    "nameless_meeting_desu": (
        "<s2400003@example.ac.jp>",
        "山田先生\n\n会議です。\n資料を見ておいてください。\n",
    ),
    "nameless_shiryou_desu": ("<s2400003@example.ac.jp>", "田中さん\n\n資料です。\n"),
    "nameless_ok_desu": ("<s2400003@example.ac.jp>", "田中さん\n\nOKです。\n"),
    "nameless_yoroshiku_only": ("<s2400003@example.ac.jp>", "田中さん\n\nよろしくお願いします。\n"),
    "nameless_ken_closing": (
        "<s2400003@example.ac.jp>",
        "山田様\n\n了解しました。\n明日の件\n",
    ),
    "nameless_reply_quoted_intro": (
        "Suzuki Hanako <hanako@example.ac.jp>",
        "山田さん\n\n了解しました。\n\n2024年5月13日(月) 9:00 山田 <yamada@example.ac.jp>:\n"
        "> 鈴木さん\n>\n> 山田です。\n> 明日のゼミは10時からです。\n>\n> 山田\n",
    ),
    "nameless_en_im_sorry": (
        "<bob@example.org>",
        "Hi Bob,\n\nI'm Sorry for the delay, the files are attached.\n",
    ),
    "nameless_en_its_monday": ("<bob@example.org>", "Hi Bob,\n\nIt's Monday tomorrow, remember.\n"),
    "nameless_en_weekday_closing": ("<bob@example.org>", "Hi Bob,\n\nSee you.\n\nMonday\n"),
    "nameless_en_thanks": ("<bob@example.org>", "Hi Bob,\n\nSee you tomorrow.\nThanks!\n"),
    "nameless_en_best_regards_only": (
        "<bob@example.org>",
        "Hi Bob,\n\nSee you tomorrow at 3.\n\nBest regards,\n",
    ),
    "nameless_en_reply_quoted_name": (
        "<hanako@example.org>",
        "Hi Alice,\n\nSounds good.\n" + ALICE_QUOTE,
    ),
    "nameless_ijou": ("<s2400003@example.ac.jp>", "山田様\n\n明日の件、了解しました。\n\n以上\n"),
    "nameless_tokyo_desu": ("<s2400003@example.ac.jp>", "田中さん\n\n今は東京です。\n"),
    "nameless_question_desu": (
        "<s2400003@example.ac.jp>",
        "山田先生\n\n質問です。\n課題の締切はいつですか。\n",
    ),
    "nameless_shitsurei": (
        "<s2400003@example.ac.jp>",
        "山田先生\n\n本日はありがとうございました。\n失礼します。\n",
    ),
    "nameless_short_ja": ("<s2400003@example.ac.jp>", "明日休みます\n"),
    "nameless_en_attached": (
        "<s3@example.ac.jp>",
        "Dear Professor,\n\nPlease find my report attached.\n\nThank you.\n",
    ),
    "nameless_en_this_is_important": (
        "<admin@example.org>",
        "Dear all,\n\nThis is Important: the server will be down tonight.\n",
    ),
    "nameless_ryoukai": ("<s2400003@example.ac.jp>", "了解\n"),
    "nameless_isogi_desu": (
        "<s2400003@example.ac.jp>",
        "山田先生\n\n急ぎです。\n資料の確認をお願いします。\n",
    ),
    "nameless_toriisogi": (
        "<s2400003@example.ac.jp>",
        "山田様\n\n資料を送付します。\n宜しくお願い致します。\n取り急ぎ\n",
    ),
    "nameless_en_fyi": ("<s3@example.ac.jp>", "Hi team,\n\nFYI\n\nSee attached.\n"),
    "nameless_en_phone": ("<s3@example.ac.jp>", "Hi Bob,\n\nWill do.\n\nSent from my iPhone\n"),
    "nameless_daijoubu": (
        "<s2400003@example.ac.jp>",
        "田中さん\n\nはい、大丈夫です。\nありがとうございます！\n",
    ),
    "nameless_test_desu": ("<s2400003@example.ac.jp>", "山田先生\n\nテストです。\n"),
    "nameless_room_desu": (
        "<s2400003@example.ac.jp>",
        "研究室の皆さん\n\nお疲れ様です。\n会議室は301です。\n",
    ),
    "nameless_kakunin_chuu": (
        "<s2400003@example.ac.jp>",
        "山田様\n\nこの件、確認中です。\n少々お待ちください。\n",
    ),
    "nameless_en_yes_thanks": ("<bob@example.org>", "Hi Bob,\n\nYes.\nThanks\n"),
    "nameless_ja_outlook_quoted_intro": (
        "鈴木 花子 <suzuki@example.ac.jp>",
        "山田さん\n\n承知しました。10時に伺います。\n" + OUTLOOK_JA,
    ),
    "nameless_from_name_unused": (
        "Suzuki Hanako <hanako@example.ac.jp>",
        "田中さん\n\n明日の会議は中止です。\n",
    ),
    "nameless_en_lowercase_closing": (
        "<bob@example.org>",
        "Hi Bob,\n\nI will send the slides later.\n\nsee you\n",
    ),
    "nameless_ja_kinou": (
        "<s2400003@example.ac.jp>",
        "山田先生\n\n昨日の講義資料はどこにありますか。\nお手数ですがよろしくお願いします。\n",
    ),
    "nameless_ja_basho_desu": (
        "<s2400003@example.ac.jp>",
        "田中さん\n\n集合場所は駅前です。\n時間は10時です。\n",
    ),
    "nameless_en_signed_off_no_name": (
        "<bob@example.org>",
        "Dear Dr. Lee,\n\nI have uploaded the data.\n\nKind regards\n",
    ),
}
