"""halfwidth-kana, machine-dependent-chars and non-standard-charset."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hato.manners import Finding
from hato.manners.rules.machine import describe, machine_dependent_chars, replacement

Lint = Callable[..., list[Finding]]
Ids = Callable[..., list[str]]


def body_with(line: str) -> str:
    return f"山田様\n\n鈴木です。\n{line}\n\n鈴木\n"


def test_halfwidth_kana_in_body(lint: Lint) -> None:
    [finding] = lint(body_with("ﾃｽﾄとｶﾞｯｺｳ"))
    assert (finding.rule, finding.line) == ("halfwidth-kana", 4)
    assert "「ﾃｽﾄ ｶﾞｯｺｳ」" in finding.text.ja and "テスト ガッコウ" in finding.text.en


def test_halfwidth_kana_in_subject(lint: Lint) -> None:
    [finding] = lint(subject="ﾚﾎﾟｰﾄ")
    assert (finding.rule, finding.line) == ("halfwidth-kana", None)
    assert "件名" in finding.text.ja and "レポート" in finding.text.ja


@pytest.mark.parametrize("text", ["テスト", "ｈｅｌｌｏ（全角英字）", "abc 123", "「」、。ー〜"])
def test_no_halfwidth_kana(lint_ids: Ids, text: str) -> None:
    assert lint_ids(body_with(text), subject=text) == []


def test_machine_dependent_set_is_derived_from_cp932() -> None:
    chars = machine_dependent_chars()
    for char in "①⑳ⅠⅩⅰ㈱㈲㌔㍉㍻№℡∮∑髙﨑\ue000":
        assert char in chars, char
    for char in "〜～－∥￢亜山ｱ①"[:-1] + "ー…‐":
        assert char not in chars, char


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("①会議室", "① U+2460 CIRCLED DIGIT ONE"),
        ("㈱情報", "㈱ U+3231 PARENTHESIZED IDEOGRAPH STOCK"),
        ("5㌔", "㌔ U+3314 SQUARE KIRO"),
        ("第Ⅱ章", "Ⅱ U+2161 ROMAN NUMERAL TWO"),
        ("髙橋さん", "髙 U+9AD9"),
    ],
)
def test_machine_dependent_chars_are_named(lint: Lint, text: str, named: str) -> None:
    [finding] = lint(body_with(text))
    assert (finding.rule, finding.line) == ("machine-dependent-chars", 4)
    assert named in finding.text.ja and named in finding.text.en


def test_every_machine_dependent_char_of_a_line_once(lint: Lint) -> None:
    [finding] = lint(body_with("①②①㈱"))
    assert finding.text.en.count("U+2460") == 1
    assert "U+2461" in finding.text.en and "U+3231" in finding.text.en


def test_machine_dependent_chars_in_subject(lint: Lint) -> None:
    [finding] = lint(subject="①の件")
    assert (finding.rule, finding.line) == ("machine-dependent-chars", None)


@pytest.mark.parametrize(("char", "fix"), [("①", "(1)"), ("㈱", "(株)"), ("Ⅳ", "IV"), ("髙", None)])
def test_replacements(char: str, fix: str | None) -> None:
    assert replacement(char) == fix


def test_private_use_chars_are_described() -> None:
    assert describe("\ue000") == "\ue000 U+E000 PRIVATE USE (外字)"


def test_wave_dash_and_fullwidth_tilde_are_fine(lint_ids: Ids) -> None:
    assert lint_ids(body_with("10時〜12時、10時～12時、－5℃")) == []


@pytest.mark.parametrize("charset", ["shift_jis", "cp932", "euc-jp"])
def test_japanese_in_legacy_charsets(lint: Lint, charset: str) -> None:
    [finding] = lint(charset=charset)
    assert (finding.rule, finding.line) == ("non-standard-charset", None)
    assert charset in finding.text.ja and "ISO-2022-JP" in finding.text.en


@pytest.mark.parametrize("charset", ["utf-8", "iso-2022-jp"])
def test_standard_charsets(lint_ids: Ids, charset: str) -> None:
    assert lint_ids(charset=charset) == []


def test_english_in_latin1_is_not_japanese(lint_ids: Ids) -> None:
    assert lint_ids("Dear Zoë,\n\nÇa va?\n\nHanako\n", charset="iso-8859-1") == []


def test_shift_jis_body_is_still_decoded_and_linted(lint_ids: Ids) -> None:
    assert lint_ids(body_with("①ﾃｽﾄ"), charset="cp932") == [
        "non-standard-charset",
        "halfwidth-kana",
        "machine-dependent-chars",
    ]
