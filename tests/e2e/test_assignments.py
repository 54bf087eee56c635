"""Assignments end to end against a real ``hato serve``: the teacher makes them in the
console, students send over submission (587, STARTTLS and AUTH) and by hand over port 25
(a raw socket, as they type it), and the table, its CSV and the automatic replies show
each submission on time or late with its manners findings."""

from __future__ import annotations

import datetime
import email
import email.utils
import re
import smtplib
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess, hato, inbox_messages
from tests.e2e.test_manners_policy import POLITE, _tls
from tests.e2e.test_web_admin import form_post, row
from tests.e2e.web import Web
from tests.manners.conftest import build_message

SERVICES = ("http", "smtp", "submission")
ROSTER = "id,name,email\r\nS2401,山田 花子,Hanako@home.example\r\nS2402,佐藤 一郎,\r\n"
FUTURE = (datetime.datetime.now() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
PAST = (datetime.datetime.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("assignments") / "data"
    process = HatoProcess(data, services=SERVICES, extra_config='[manners]\nlanguage = "en"\n')
    process.add_user("root", "root-pw", "--admin")
    for name in ("report", "alice", "bob", "carol"):
        process.add_user(name, f"{name}-pw")
    roster = data.parent / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    assert hato("class", "import", str(roster), data_dir=data).returncode == 0
    process.start()
    teacher = _teacher(process)
    for name, title, due, reply in (
        ("week1", "Week 1 レポート", FUTURE, "findings"),
        ("late", "Past due", PAST, "always"),
        ("quiet", "Quiet", FUTURE, "off"),
    ):
        form = {"address": f"report+{name}@example.org", "title": title, "due": due,
                "reply": reply}  # fmt: skip
        added = form_post(teacher, "/admin/class/assignments", "/admin/class/assignments", form)
        assert added.status == 303, added.text
    yield process
    assert process.stop() == 0


def _teacher(server: HatoProcess) -> Web:
    web = Web(server.ports["http"])
    web.login("root", "root-pw")
    return web


def _message(sender: str, to: str, subject: str | None, body: str, **headers: str) -> bytes:
    message_id = email.utils.make_msgid(domain="example.org")
    return build_message(body, subject=subject, sender=sender, to=to, Message_ID=message_id,
                         **headers)  # fmt: skip


def _submit(server: HatoProcess, account: str, to: str, content: bytes) -> None:
    """Over submission (RFC 6409): STARTTLS, then AUTH as the student."""
    with smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=30) as smtp:
        smtp.starttls(context=_tls())
        smtp.login(account, f"{account}-pw")
        assert smtp.sendmail(f"{account}@example.org", [to], content) == {}


def _by_hand(server: HatoProcess, sender: str, to: str, content: bytes) -> None:
    """Port 25 typed line by line, as a student does with nc -C: every reply read."""
    with socket.create_connection(("127.0.0.1", server.ports["smtp"]), timeout=30) as sock:
        replies = sock.makefile("rb")

        def say(line: bytes, code: bytes) -> None:
            if line:
                sock.sendall(line + b"\r\n")
            answer = replies.readline()
            while answer[3:4] == b"-":
                answer = replies.readline()
            assert answer.startswith(code), answer

        say(b"", b"220")
        say(b"HELO student-pc", b"250")
        say(f"MAIL FROM:<{sender}>".encode(), b"250")
        say(f"RCPT TO:<{to}>".encode(), b"250")
        say(b"DATA", b"354")
        sock.sendall(content.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        say(b"", b"250")
        say(b"QUIT", b"221")


def _replies(server: HatoProcess, account: str) -> list[email.message.Message]:
    return [
        email.message_from_bytes(raw)
        for raw in inbox_messages(server.data_dir, account)
        if b"Auto-Submitted: auto-replied" in raw
    ]


def test_a_submission_over_587_is_listed_with_its_findings_and_answered(
    server: HatoProcess,
) -> None:
    content = _message("alice@example.org", "report+week1@example.org", None, POLITE)
    _submit(server, "alice", "report+week1@example.org", content)
    page = _teacher(server).get("/admin/class/assignments")
    cells = row(page, 'student="alice"')
    assert "(no subject)" in cells and "on time" in cells and "no-subject" in cells
    [reply] = _replies(server, "alice")
    assert reply["From"] == "report+week1@example.org" and reply["To"] == "alice@example.org"
    assert reply["In-Reply-To"] == email.message_from_bytes(content)["Message-ID"]
    assert reply["Return-Path"] == "<>"  # RFC 3834 §3.3: nothing answers it in turn
    text = reply.get_payload(decode=True).decode()
    assert "on time" in text and "no-subject" in text
    assert len(inbox_messages(server.data_dir, "report")) >= 1  # delivered there as well


def test_a_late_submission_by_hand_on_port_25_is_marked_late(server: HatoProcess) -> None:
    content = _message("Bob <bob@example.org>", "report+late@example.org", "演習の資料", POLITE)
    _by_hand(server, "bob@example.org", "report+late@example.org", content)
    teacher = _teacher(server)
    cells = row(teacher.get("/admin/class/assignments"), 'student="bob"')
    assert "演習の資料" in cells and "late" in cells and "no findings" in cells
    [reply] = _replies(server, "bob")  # "always": even with nothing to point out
    text = reply.get_payload(decode=True).decode()
    assert "late" in text and "found nothing" in text
    link = cells.split('href="', 1)[1].split('"', 1)[0]
    opened = teacher.get(link)
    assert opened.status == 200 and "鈴木 一郎" in opened.text and "late" in opened.text
    raw = teacher.get(link + "?download=1")
    assert raw.headers["Content-Type"].startswith("message/rfc822") and b"DATA" not in raw.body


def test_no_reply_when_off_to_a_list_or_to_a_null_sender(server: HatoProcess) -> None:
    before = len(_replies(server, "carol"))
    quiet = _message("carol@example.org", "report+quiet@example.org", None, POLITE)
    _submit(server, "carol", "report+quiet@example.org", quiet)
    listed = _message("carol@example.org", "report+week1@example.org", None, POLITE,
                      List_Id="<lab.example.org>")  # fmt: skip
    _submit(server, "carol", "report+week1@example.org", listed)
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as smtp:
        smtp.sendmail("", ["report+week1@example.org"], quiet)  # no student: not recorded
    assert len(_replies(server, "carol")) == before
    cells = row(_teacher(server).get("/admin/class/assignments"), 'student="carol"')
    assert cells.count("no-subject") == 2  # both kept and linted all the same


def test_the_grade_book_csv_opens_in_excel(server: HatoProcess) -> None:
    week1, late = "report+week1@example.org", "report+late@example.org"
    _submit(server, "alice", week1, _message("alice@example.org", week1, None, POLITE))
    _by_hand(
        server, "bob@example.org", late, _message("Bob <bob@example.org>", late, "演習", POLITE)
    )
    reply = _teacher(server).get("/admin/class/assignments.csv")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/csv")
    assert reply.body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    lines = reply.body.decode("utf-8-sig").split("\r\n")
    heading = "account,id,name,Past due,Past due findings,Past due subject,Week 1 レポート,"
    assert lines[0].startswith(heading)
    bob = next(line for line in lines if line.startswith("bob,"))
    assert bob == "bob,,,late,0,演習,missing,,,missing,,"
    alice = next(line for line in lines if line.startswith("alice,"))
    assert alice == "alice,,,missing,,,on time,1,,missing,,"
    assert "s2402,S2402,佐藤 一郎,missing,,,missing,,,missing,," in lines  # nothing sent yet


def test_a_class_member_is_known_by_the_rosters_address_on_port_25(server: HatoProcess) -> None:
    week1 = "report+week1@example.org"
    content = _message("山田 花子 <hanako@home.example>", week1, "第1週", POLITE)
    _by_hand(server, "hanako@HOME.example", week1, content)
    cells = row(_teacher(server).get("/admin/class/assignments"), 'student="s2401"')
    assert "山田 花子" in cells and "第1週" in cells and "on time" in cells


def test_a_student_cannot_see_the_assignments(server: HatoProcess) -> None:
    student = Web(server.ports["http"])
    student.login("alice", "alice-pw")
    pages = ("assignments", "assignments.csv", "submissions/1")
    for path in (f"/admin/class/{page}" for page in pages):
        assert student.get(path).status == 403, path
    form = {"address": "report+x@example.org", "title": "x", "due": FUTURE, "reply": "off"}
    token = student.get("/login").csrf()
    assert student.post("/admin/class/assignments", {"csrf": token, **form}).status == 403


def test_a_bad_form_is_refused_in_words(server: HatoProcess) -> None:
    teacher = _teacher(server)
    for form, words in (
        ({"address": "report+a@elsewhere.example", "due": FUTURE}, "not an address of a local"),
        ({"address": "report+b", "due": "next week"}, "not a date and time"),
        ({"address": "report+week1@example.org", "due": FUTURE}, "is an assignment already"),
    ):
        full = {"title": "T", "reply": "off", **form}
        refused = form_post(teacher, "/admin/class/assignments", "/admin/class/assignments", full)
        assert refused.status in (400, 409) and words in refused.text, refused.text


def test_a_deleted_assignment_leaves_the_table(server: HatoProcess) -> None:
    teacher = _teacher(server)
    form = {"address": "report+tmp", "title": "Temporary", "due": FUTURE, "reply": "off"}
    assert (
        form_post(teacher, "/admin/class/assignments", "/admin/class/assignments", form).status
        == 303
    )
    page = teacher.get("/admin/class/assignments").text
    newest = max(int(n) for n in re.findall(r"/admin/class/assignments/(\d+)/delete", page))
    action = f"/admin/class/assignments/{newest}/delete"
    assert form_post(teacher, "/admin/class/assignments", action, {}).status == 303
    assert "Temporary" not in teacher.get("/admin/class/assignments").text
    assert form_post(teacher, "/admin/class/assignments", action, {}).status == 404
