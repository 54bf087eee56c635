"""no-sender-name: the body names its writer."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURES, Build
from make_fixtures import sender_fixtures

from hato.manners import Context, Finding, MannersSettings, lint_mail, lint_message, parse_mail
from hato.manners._mail import Address
from hato.manners.rules import _reading
from hato.manners.rules._reading import MAX_ANALYSED, analyse, name_key, romanize
from hato.manners.rules._sender import is_name_like, is_self_introduction

Ids = Callable[..., list[str]]
CORPUS = sorted((FIXTURES / "sender").glob("*.eml"))


def _flagged(path: Path) -> bool:
    findings = lint_message(path.read_bytes(), MannersSettings(), ())
    return any(f.rule == "no-sender-name" for f in findings)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus(path: Path) -> None:
    """named_* mails name their writer, nameless_* mails do not."""
    assert _flagged(path) == path.stem.startswith("nameless_")


def test_corpus_files_are_what_make_fixtures_writes() -> None:
    written = {name: data for name, data in sender_fixtures().items()}
    on_disk = {f"sender/{p.name}": p.read_bytes() for p in CORPUS}
    assert on_disk == written
    assert sum(n.startswith("sender/named_") for n in written) >= 40
    assert sum(n.startswith("sender/nameless_") for n in written) >= 30


def test_the_rule_gives_the_same_answers_from_many_threads() -> None:
    """Each thread has its own Sudachi tokenizer (they are not thread-safe)."""
    expected = [_flagged(p) for p in CORPUS]
    with ThreadPoolExecutor(4) as pool:
        runs = [pool.submit(lambda: [_flagged(p) for p in CORPUS]) for _ in range(4)]
        assert all(run.result() == expected for run in runs)


@pytest.mark.parametrize(
    ("kana", "romaji"),
    [
        ("サトウ", "Satō"), ("サトウ", "Satoh"), ("さとう", "Sato"), ("オオノ", "Ohno"),
        ("オオノ", "Ōno"), ("イトウ", "Itoh"), ("ナカジマ", "Nakashima"),
        ("ジュンイチロウ", "Jun'ichirō"), ("しょうた", "Shota"), ("ショウタ", "Shouta"),
        ("コウジ", "Kōji"), ("ホンマ", "Homma"), ("チヅル", "Chizuru"), ("ユウキ", "Yuki"),
        ("ハットリ", "Hattori"), ("ヤマダ", "YAMADA"), ("たろう", "Taro"), ("ケイコ", "Keiko"),
    ],
)  # fmt: skip
def test_spellings_of_one_name_have_one_key(kana: str, romaji: str) -> None:
    assert name_key(romanize(kana)) == name_key(romaji)


@pytest.mark.parametrize(("one", "other"), [("Sato", "Saito"), ("Ono", "Ueno"), ("Kato", "Ito")])
def test_different_names_have_different_keys(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_the_analyser_reads_a_bounded_prefix_of_hostile_input() -> None:
    morphemes = analyse("山田" * 500_000)
    assert sum(len(m.surface) for m in morphemes) <= MAX_ANALYSED


def test_names_of_many_words_are_analysed_in_part(
    build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A display name and a closing line of 100,000 words cost a bounded number of analyses."""
    calls = 0
    tokenizer = _reading._tokenizer

    def counting() -> object:
        nonlocal calls
        calls += 1
        return tokenizer()

    monkeypatch.setattr(_reading, "_tokenizer", counting)
    words = "山 a " * 100_000
    mail = replace(
        parse_mail(build("山田様\n\n明日は欠席します。\n")),
        sender=(Address(words, "s@example.org"),),
        body=f"山田様\n\n{words}\n",
    )
    assert [f.rule for f in lint_mail(mail, Context())] == ["no-sender-name"]
    assert calls <= 2 * MAX_ANALYSED


@pytest.mark.parametrize(
    "body",
    [
        "山田様\n\n情報科学科の鈴木です。\n明日は欠席します。\n\nよろしくお願いします。\n",
        "山田様\n\nお世話になっております。B3の鈴木です。\n明日は欠席します。\n",
        "山田様\n\n鈴木と申します。\n明日は欠席します。\n",
        "山田様\n\n明日は欠席します。\n\n鈴木\n",
        "山田様\n\n明日は欠席します。\n\n鈴木花子\n",
        "山田様\n\n明日は欠席します。\nよろしくお願いします。\n\n情報科学科 鈴木\n",
        "山田様\n\n明日は欠席します。\n\n鈴木より\n",
        "山田様\n\n明日は欠席します。\n\n--\nsuzuki@example.ac.jp\n",
        "山田様\n\n明日は欠席します。\n\n━━━━━━━━\n情報科学科 3年\n",
        "Dear Bob,\n\nI will be absent tomorrow.\n\nBest regards,\nHanako Suzuki\n",
        "Hi Bob,\n\nSee you tomorrow.\n\n-- Hanako\n",
        "Hi Bob,\n\nThis is Hanako from the lab. See you tomorrow.\n",
        "Hi Bob,\n\nSee you tomorrow.\n\nCheers,\nhanako\n",
    ],
)
def test_bodies_that_name_their_writer(lint_ids: Ids, body: str) -> None:
    assert "no-sender-name" not in lint_ids(body)


def test_signing_with_another_spelling_than_from(lint_ids: Ids) -> None:
    body = "山田様\n\n明日は欠席します。\n\n山田太郎\n"
    assert "no-sender-name" not in lint_ids(body, sender="Yamada Taro <t@example.org>")


def test_closing_line_holding_the_from_name(lint_ids: Ids) -> None:
    body = "Dear Bob,\n\nSee you tomorrow.\n\nSuzuki, Lab of Networks, 3rd floor, room 301.\n"
    assert "no-sender-name" not in lint_ids(body, sender="Hanako Suzuki <s@example.org>")


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("山田様\n\n明日の件、了解しました。\nよろしくお願いします。\n", 4),
        ("山田様\n\n明日の件、了解しました。\n\n以上\n", 5),
        ("山田様\n", 1),
        ("Hi Bob,\n\nSee you tomorrow.\n\nBest regards,\n", 5),
        ("Hi Bob,\n\nSee you tomorrow.\nThanks!\n", 4),
        ("Dear Bob,\n\nI am writing about the report.\n", 3),
    ],
)
def test_bodies_without_their_writer(
    lint: Callable[..., list[Finding]], body: str, line: int
) -> None:
    findings = [f for f in lint(body) if f.rule == "no-sender-name"]
    assert [f.line for f in findings] == [line]


def test_the_quoted_writers_name_does_not_count(lint_ids: Ids) -> None:
    body = "Bob,\n\nOK.\n\nOn Monday Alice wrote:\n> Bob,\n> Can you come?\n> Alice\n"
    assert "no-sender-name" in lint_ids(body, sender="<h@example.org>")


NOT_INTRODUCTIONS = [
    "今日は雨です。",
    "了解です",
    "大丈夫です",
    "お疲れ様です。",
    "明日は雨です。",
    "会議です。",
    "資料です。",
    "OKです。",
    "テストです。",
    "以上です。",
    "今は東京です。",
    "質問です。",
    "会議室は301です。",
    "山田さんですか？",
    "よろしくお願いします。",
    "I'm Sorry.",
    "It's Monday tomorrow.",
    "This is Important: read it.",
]


@pytest.mark.parametrize("text", NOT_INTRODUCTIONS)
def test_sentences_ending_in_desu_are_not_introductions(text: str) -> None:
    assert not is_self_introduction(text)


@pytest.mark.parametrize(
    "text",
    [
        "山田です。", "情報ネットワークの山田太郎です。", "お疲れ様です。M1の鈴木です。",
        "B4田中です。", "経理部の佐藤でございます。", "情報科学科1年の佐藤花子と申します。",
        "鈴木花子（情報科学科3年）です。", "はなこです！", "This is Hanako from the lab.",
        "I'm Taro Yamada, a first-year student.", "My name is hanako.", "Hanako here.",
    ],
)  # fmt: skip
def test_introductions_that_name_someone(text: str) -> None:
    assert is_self_introduction(text)


@pytest.mark.parametrize(
    "text",
    [
        "よろしくお願いします", "以上", "敬具", "Best regards,", "Thanks", "明日の件", "会議室A",
        "東京駅", "助かります", "Monday", "See You Soon", "FYI", "Sent from my iPhone",
        "Kind regards",
    ],
)  # fmt: skip
def test_closing_phrases_are_not_names(text: str) -> None:
    assert not is_name_like(text)


NAMES = [
    "山田太郎",
    "鈴木より",
    "鈴木拝",
    "やまだ",
    "情報科学科3年鈴木花子",
    "髙橋",
    "T.Y.",
    "確認しました。山田",
    "山田 太郎",
    "ヤマダ タロウ",
    "Hanako Suzuki",
    "Dr. Hanako Suzuki",
    "- Hanako",
]


@pytest.mark.parametrize("text", [*NAMES, "Regards, Taro", "情報科学科 3年 鈴木花子"])
def test_names_on_their_own(text: str) -> None:
    assert is_name_like(text)
