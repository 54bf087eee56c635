"""no-addressee: the body opens by naming its reader."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hato.manners import Finding
from hato.manners.rules._addressee import is_addressee

SIGNED = "\n\n本文です。\n\n鈴木\n"


@pytest.mark.parametrize(
    "opening",
    [
        "〇〇様",
        "山田様",
        "山田 太郎 様",
        "山田様、お世話になっております。",
        "山田さん",
        "田中さんへ",
        "山田さんこんにちは",
        "山田先生",
        "総務課 御中",
        "関係者各位",
        "皆様",
        "みなさん、こんにちは",
        "株式会社〇〇\n営業部\n山田様",
        "Dear Professor Yamada,",
        "Dear Sir or Madam,",
        "Hi Taro,",
        "Hello everyone!",
        "Hi all,",
        "Good morning Taro,",
        "To whom it may concern:",
        "Ms. Smith,",
        "Alice,",
        "Bob Smith:",
    ],
)
def test_openings_that_name_the_reader(lint_ids: Callable[..., list[str]], opening: str) -> None:
    assert "no-addressee" not in lint_ids(opening + SIGNED)


@pytest.mark.parametrize(
    "opening",
    [
        "お世話になっております。情報科学科の鈴木です。",
        "お疲れ様です。",
        "明日の件です。",
        "山田さんから聞きましたが、明日は休講ですか。",
        "Hi,",
        "Hello,",
        "Thanks,",
        "I am writing about the report.",
        "Quick question about tomorrow.",
    ],
)
def test_openings_without_a_reader(lint: Callable[..., list[Finding]], opening: str) -> None:
    findings = [f for f in lint(opening + SIGNED) if f.rule == "no-addressee"]
    assert [f.line for f in findings] == [1]


def test_addressee_after_a_quotation_counts(lint_ids: Callable[..., list[str]]) -> None:
    body = "On Monday Taro wrote:\n> Are you coming?\n\nTaro,\n\nYes, I am.\n\nHanako\n"
    assert "no-addressee" not in lint_ids(body)


def test_addressee_deep_in_the_body_does_not_count(lint: Callable[..., list[Finding]]) -> None:
    body = "連絡です。\n\n一\n二\n三\n四\n山田様\n\n鈴木\n"
    [finding] = [f for f in lint(body) if f.rule == "no-addressee"]
    assert finding.line == 1


def test_empty_body_has_no_addressee(lint_ids: Callable[..., list[str]]) -> None:
    assert "no-addressee" in lint_ids("\n")


@pytest.mark.parametrize(
    "text", ["お疲れ様。", "ご苦労様です", "おかげ様で", "たくさん、ありがとう"]
)
def test_set_phrases_are_not_addressees(text: str) -> None:
    assert not is_addressee(text)
