"""no-sender-name: the body names its writer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hato.manners import Finding
from hato.manners.rules._sender import is_name_like, is_self_introduction

Ids = Callable[..., list[str]]


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


@pytest.mark.parametrize("text", ["今日は雨です。", "了解です", "大丈夫です", "お疲れ様です。"])
def test_sentences_ending_in_desu_are_not_introductions(text: str) -> None:
    assert not is_self_introduction(text)


@pytest.mark.parametrize(
    "text", ["よろしくお願いします", "以上", "敬具", "Best regards,", "Thanks"]
)
def test_closing_phrases_are_not_names(text: str) -> None:
    assert not is_name_like(text)
