"""``hato lint``: configure_parser and run, on the .eml fixtures."""

from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import pytest

from hato.manners import MannersSettings
from hato.manners.cli import configure_parser, locale_language, run

FIXTURES = Path(__file__).parent / "fixtures"

EXPECTED = {
    "polite_ja_iso2022jp.eml": [],
    "polite_en_utf8.eml": [],
    "original.eml": [],
    "original_ja.eml": [],
    "reply_same_people.eml": [],
    "reply_unquoted.eml": [],
    "reply_ja_ok.eml": [],
    "reply_new_recipient.eml": ["quoted-to-new-recipients"],
    "reply_ja_new_cc.eml": ["quoted-to-new-recipients"],
    "no_subject_ja.eml": ["no-subject"],
    "blank_subject_en.eml": ["no-subject"],
    "no_addressee_ja.eml": ["no-addressee"],
    "no_sender_ja.eml": ["no-sender-name"],
    "no_sender_en.eml": ["no-sender-name"],
    "exposed_recipients.eml": ["exposed-recipients"],
    "html_only.eml": ["html-mail"],
    "html_alternative.eml": ["html-mail"],
    "halfwidth_kana_sjis.eml": [
        "halfwidth-kana",
        "non-standard-charset",
        "non-standard-charset",
        "halfwidth-kana",
    ],
    "machine_dependent_iso2022jp.eml": ["machine-dependent-chars"] * 4,
    "machine_dependent_utf8.eml": ["machine-dependent-chars"] * 2,
    "eucjp.eml": ["non-standard-charset"] * 2,
}
UNREADABLE = ["binary.eml", "empty.eml", "not_a_message.eml", "unknown_charset.eml"]


def lint(*argv: str | Path, settings: MannersSettings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hato lint")
    configure_parser(parser)
    args = parser.parse_args([str(arg) for arg in argv])
    return run(args, settings or MannersSettings())


def fixture(name: str) -> Path:
    return FIXTURES / name


def test_every_fixture_is_expected() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.eml")) == sorted([*EXPECTED, *UNREADABLE])


def test_json_findings_of_every_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint("--format", "json", "--lang", "en", *map(fixture, EXPECTED)) == 1
    results = json.loads(capsys.readouterr().out)
    found = {Path(r["file"]).name: [f["rule"] for f in r["findings"]] for r in results}
    assert found == EXPECTED


def test_json_format_is_the_issues(capsys: pytest.CaptureFixture[str]) -> None:
    lint(
        "--format",
        "json",
        "--lang",
        "ja",
        fixture("no_subject_ja.eml"),
        fixture("polite_en_utf8.eml"),
    )
    results = json.loads(capsys.readouterr().out)
    assert results == [
        {
            "file": str(fixture("no_subject_ja.eml")),
            "findings": [
                {
                    "rule": "no-subject",
                    "severity": "error",
                    "message": results[0]["findings"][0]["message"],
                    "line": None,
                }
            ],
        },
        {"file": str(fixture("polite_en_utf8.eml")), "findings": []},
    ]
    assert "件名" in results[0]["findings"][0]["message"]


@pytest.mark.parametrize("name", ["polite_ja_iso2022jp.eml", "polite_en_utf8.eml"])
def test_clean_files_exit_0_silently(capsys: pytest.CaptureFixture[str], name: str) -> None:
    assert lint(fixture(name)) == 0
    assert capsys.readouterr() == ("", "")


def test_text_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint("--lang", "en", fixture("halfwidth_kana_sjis.eml")) == 1
    lines = capsys.readouterr().out.splitlines()
    path = re.escape(str(fixture("halfwidth_kana_sjis.eml")))
    assert re.fullmatch(path + r": warning halfwidth-kana: Half-width katakana .*", lines[0])
    assert re.fullmatch(path + r":5: warning halfwidth-kana: .*\"レポート\"\.", lines[3])


def test_text_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    lint("--lang", "ja", fixture("no_sender_ja.eml"))
    out = capsys.readouterr().out
    assert out.endswith("warning no-sender-name: " + out.split("no-sender-name: ")[1])
    assert ":4: warning no-sender-name: 本文に差出人の名前がありません。" in out


def test_files_together_are_one_mailbox(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint(fixture("reply_new_recipient.eml")) == 0
    assert lint(fixture("reply_new_recipient.eml"), fixture("original.eml")) == 1
    assert "dave@example.org" in capsys.readouterr().out


@pytest.mark.parametrize("name", UNREADABLE)
def test_unparseable_files_exit_2(capsys: pytest.CaptureFixture[str], name: str) -> None:
    assert lint("--format", "json", fixture(name), fixture("no_subject_ja.eml")) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"hato lint: {fixture(name)}: cannot parse: ")
    bad, checked = json.loads(out)
    assert bad["findings"] == [] and bad["error"] in err
    assert [f["rule"] for f in checked["findings"]] == ["no-subject"]


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert lint(tmp_path / "nope.eml", fixture("no_subject_ja.eml")) == 2
    out, err = capsys.readouterr()
    assert "nope.eml: cannot read: No such file or directory" in err
    assert "no-subject" in out


def test_directory_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert lint(tmp_path) == 2
    assert "cannot read" in capsys.readouterr().err


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(fixture("no_subject_ja.eml").read_bytes()))
    monkeypatch.setattr("sys.stdin", stdin)
    assert lint("-") == 1
    assert capsys.readouterr().out.startswith("-: error no-subject: ")


def test_settings_disable_rules(capsys: pytest.CaptureFixture[str]) -> None:
    settings = MannersSettings(disable=frozenset({"no-subject"}))
    assert lint(fixture("no_subject_ja.eml"), settings=settings) == 0


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"LC_MESSAGES": "ja_JP.eucJP", "LANG": "C"}, "ja"),
        ({"LC_ALL": "", "LANG": "ja"}, "ja"),
        ({}, "en"),
    ],
)
def test_locale_language(environ: dict[str, str], lang: str) -> None:
    assert locale_language(environ) == lang


def test_lang_defaults_to_the_locale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    lint(fixture("no_subject_ja.eml"))
    assert "件名" in capsys.readouterr().out


def test_help_and_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        lint("--help")
    assert exited.value.code == 0
    assert "--format {text,json}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        lint()
    assert exited.value.code == 2
