"""no-subject, exposed-recipients and html-mail."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import pytest

from hato.manners import Finding, MannersSettings, lint_message

Lint = Callable[..., list[Finding]]
Ids = Callable[..., list[str]]


def test_polite_message_is_clean(lint: Lint) -> None:
    assert lint() == []


@pytest.mark.parametrize("subject", [None, "", "   ", "\t"])
def test_missing_or_blank_subject(lint: Lint, subject: str | None) -> None:
    [finding] = lint(subject=subject)
    assert (finding.rule, finding.severity, finding.line) == ("no-subject", "error", None)
    assert "件名" in finding.text.ja and "Subject" in finding.text.en


def test_encoded_subject_counts(lint_ids: Ids) -> None:
    assert "no-subject" not in lint_ids(subject="第3回レポート")


def addresses(count: int) -> str:
    return ", ".join(f"s{n}@example.org" for n in range(count))


def test_ten_visible_recipients(lint: Lint) -> None:
    [finding] = lint(to=addresses(6), cc=addresses(10)[-4 * 22 :])
    assert finding.rule == "exposed-recipients"
    assert "Bcc" in finding.text.ja and "Bcc" in finding.text.en


def test_nine_visible_recipients_and_many_bcc(lint_ids: Ids) -> None:
    assert lint_ids(to=addresses(9), bcc=addresses(50)) == []


def test_duplicates_count_once(lint_ids: Ids) -> None:
    assert lint_ids(to=addresses(5), cc=addresses(5)) == []


def test_limit_is_configurable(lint_ids: Ids) -> None:
    settings = MannersSettings(exposed_recipients_limit=3)
    assert lint_ids(to=addresses(3), settings=settings) == ["exposed-recipients"]
    assert lint_ids(to=addresses(2), settings=settings) == []


def test_undisclosed_recipients_group(lint_ids: Ids) -> None:
    assert lint_ids(to="undisclosed-recipients:;", bcc=addresses(30)) == []


def test_html_only(lint: Lint) -> None:
    html = "<p>山田様</p><p>鈴木です。</p><p>鈴木</p>"
    [finding] = lint(html, subtype="html")
    assert finding.rule == "html-mail"
    assert "代替部分がありません" in finding.text.ja and "without" in finding.text.en


def alternative(plain: str, html: str) -> bytes:
    message = EmailMessage()
    message["From"] = "s@example.org"
    message["To"] = "y@example.org"
    message["Subject"] = "連絡"
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return bytes(message)


def test_html_with_plain_alternative() -> None:
    raw = alternative("山田様\n\n鈴木です。\n", "<p>山田様</p><p>鈴木です。</p>")
    [finding] = lint_message(raw, MannersSettings())
    assert finding.rule == "html-mail"
    assert "付いています" in finding.text.ja and "is included" in finding.text.en


def test_html_attachment_is_not_html_mail() -> None:
    message = EmailMessage()
    message["From"] = "s@example.org"
    message["Subject"] = "資料"
    message.set_content("山田様\n\n資料を添付します。\n\n鈴木\n")
    message.add_attachment("<p>x</p>", subtype="html", filename="page.html")
    assert lint_message(bytes(message), MannersSettings()) == []


def test_html_body_is_read_for_the_other_rules(lint_ids: Ids) -> None:
    found = lint_ids("<div>連絡です。</div>", subtype="html")
    assert found == ["html-mail", "no-addressee", "no-sender-name"]
