"""Pure parts of the assignments: when a reply goes (RFC 3834 §2), what it says and
carries (§3.1, §5), and the grade book's CSV (BOM, no formula from a student's subject)."""

from __future__ import annotations

import csv
import email
import io
from email.parser import BytesHeaderParser
from email.policy import default

import pytest

from hato.delivery.assignments import reply_message, reply_text, wants_reply
from hato.store.base import Assignment, Submission
from hato.web.classroom_assignments import grade_book, table

WEEK1 = Assignment(1, "report+week1@example.org", "第1週", 1_000, "findings")


def _header(text: str) -> email.message.Message:
    return BytesHeaderParser(policy=default).parsebytes(text.encode())


@pytest.mark.parametrize(
    ("header", "sender", "answered"),
    [
        ("Subject: hi\r\n", "a@example.org", True),
        ("Auto-Submitted: no\r\n", "a@example.org", True),
        ("Subject: hi\r\n", "", False),  # a null sender: a bounce, never answered
        ("Auto-Submitted: auto-replied\r\n", "a@example.org", False),
        ("Auto-Submitted: auto-generated\r\n", "a@example.org", False),
        ("List-Id: <lab.example.org>\r\n", "a@example.org", False),
        ("List-Unsubscribe: <mailto:x@example.org>\r\n", "a@example.org", False),
        ("Precedence: Bulk\r\n", "a@example.org", False),
        ("Precedence: junk\r\n", "a@example.org", False),
    ],
)
def test_no_reply_to_null_senders_lists_or_automatic_mail(
    header: str, sender: str, answered: bool
) -> None:
    assert wants_reply(_header(header), sender) is answered


def test_the_reply_is_marked_automatic_and_threads_under_the_submission() -> None:
    header = _header("Subject: =?utf-8?b?5ryU57+S?=\r\nMessage-ID: <m1@pc.example>\r\n")
    text = reply_text(WEEK1, True, [], "ja")
    raw = reply_message(WEEK1, "s2401@example.org", header, text, "mail.test", 2_000)
    reply = email.message_from_bytes(raw, policy=default)
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["Subject"] == "Re: 演習"
    assert reply["In-Reply-To"] == reply["References"] == "<m1@pc.example>"
    assert reply["From"] == WEEK1.address and reply["To"] == "s2401@example.org"
    body = reply.get_content()
    assert "第1週" in body and "期限後" in body and "指摘はありません" in body


def test_a_header_line_in_the_subject_stays_in_the_subject() -> None:
    header = _header("Subject: a\r\n b\r\nMessage-ID: not an id\r\n")
    raw = reply_message(WEEK1, "s@example.org", header, "x\n", "mail.test", 0)
    reply = email.message_from_bytes(raw, policy=default)
    assert reply["Subject"] == "Re: a b" and reply["In-Reply-To"] is None


def test_the_grade_book_has_a_bom_and_runs_no_formula() -> None:
    findings = '[{"rule": "no-subject", "severity": "warning", "text": "x"}]'
    sent = Submission(7, 1, 3, "s2401", 900, '=HYPERLINK("http://x")', findings)
    data = grade_book([WEEK1], table([WEEK1], [sent]))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["account", "id", "name", "第1週", "第1週 findings", "第1週 subject"],
        ["s2401", "", "", "on time", "1", '\'=HYPERLINK("http://x")'],
    ]
