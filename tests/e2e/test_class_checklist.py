"""The lab checklist against a real ``hato serve``: POP3, IMAP and a message typed by hand
on port 25 (raw sockets, as students type them) tick their steps, failures do not; the
CSV has them; a restart keeps them and the day's transcripts; students reach none of it."""

from __future__ import annotations

import csv
import html
import io
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess, hato
from tests.e2e.web import Web

ROSTER = "id,name,email\ns001,Taro Yamada,taro@school.example\ns002,=HYPERLINK(1),\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    where = tmp_path_factory.mktemp("class-checklist")
    process = HatoProcess(where / "data", services=("http", "pop3", "imap", "smtp"))
    process.add_user("root", "root-pw", "--admin")
    (where / "roster.csv").write_text(ROSTER)
    done = hato("class", "import", str(where / "roster.csv"), data_dir=process.data_dir)
    assert done.returncode == 0, done.stderr
    process.passwords = dict(  # type: ignore[attr-defined]
        line.split()[1:3] for line in done.stdout.splitlines() if line.startswith("s00")
    )
    yield process.start()
    assert process.stop() == 0


def _typed(port: int, lines: list[str], answers_to_greeting: bool = True) -> list[str]:
    """Each line typed, and the first line of each answer (an IMAP answer: its tagged line)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        stream = sock.makefile("rb")
        stream.readline()
        answers = []
        for line in lines:
            sock.sendall(line.encode() + b"\r\n")
            tag = line.split()[0] + " " if line[:1].islower() and " " in line else ""
            answer = stream.readline().decode()
            while tag and not answer.startswith(tag) and answer:
                answer = stream.readline().decode()
            answers.append(answer)
        return answers


def _checklist(server: HatoProcess) -> dict[str, dict[str, str]]:
    web = Web(server.ports["http"])
    web.login("root", "root-pw")
    reply = web.get("/admin/class/checklist.csv")
    assert reply.status == 200 and reply.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(reply.body.decode("utf-8-sig"))))
    return {row["account"]: row for row in rows}


def test_steps_tick_only_when_the_server_accepted_them(server: HatoProcess) -> None:
    password = server.passwords["s001"]  # type: ignore[attr-defined]
    pop3 = server.ports["pop3"]
    assert _typed(pop3, ["USER s001", "PASS wrong", "QUIT"])[1].startswith("-ERR")
    assert not any(_checklist(server)["s001"][step] for step in ("POP3 USER/PASS", "POP3 STAT"))
    answers = _typed(pop3, ["USER s001", f"PASS {password}", "STAT", "RETR 999", "QUIT"])
    assert [a[:3] for a in answers] == ["+OK", "+OK", "+OK", "-ER", "+OK"]
    imap = server.ports["imap"]
    _typed(imap, [f"a LOGIN s001 {password}", "b SELECT INBOX", "c FETCH 1 FLAGS", "d LOGOUT"])
    smtp = ["HELO pc", "MAIL FROM:<taro@school.example>", "RCPT TO:<s001@example.org>", "DATA"]
    smtp += ["Subject: by hand\r\n\r\nhello\r\n.", "QUIT"]
    assert _typed(server.ports["smtp"], smtp)[4].startswith("250")
    row = _checklist(server)["s001"]
    for step in ("USER/PASS", "STAT", "QUIT"):
        assert row[f"POP3 {step}"], (step, row)
    for step in ("LOGIN", "SELECT", "FETCH", "LOGOUT"):
        assert row[f"IMAP {step}"], (step, row)
    assert row["SMTP message by hand (port 25)"], row
    assert not row["POP3 RETR"] and not row["POP3 DELE"]  # refused, and never typed
    assert _checklist(server)["s002"]["name"] == "'=HYPERLINK(1)"  # no formula for Excel


def test_the_checklist_and_transcripts_outlive_a_restart(server: HatoProcess) -> None:
    before = _checklist(server)["s001"]
    assert before["POP3 STAT"]
    assert server.stop() == 0
    server.start()
    assert _checklist(server)["s001"] == before
    web = Web(server.ports["http"])
    web.login("root", "root-pw")
    page = web.get("/admin/class/student/s001").text
    assert "STAT" in page and "PASS [REDACTED]" in page
    assert server.passwords["s001"] not in page  # type: ignore[attr-defined]


def test_students_reach_neither_the_table_nor_its_csv(server: HatoProcess) -> None:
    student = Web(server.ports["http"])
    student.login("s001", server.passwords["s001"])  # type: ignore[attr-defined]
    for page in ("/admin/class/checklist", "/admin/class/checklist.csv"):
        assert student.get(page).status == 403, page
    teacher = Web(server.ports["http"])
    teacher.login("root", "root-pw")
    table = teacher.get("/admin/class/checklist?part=table").text
    assert table.count('class="done"') >= 7 and table.count("data-student=") == 2


def test_hints_fit_what_hato_really_answers(server: HatoProcess) -> None:
    """Mistakes students make, sent to the real server: each transcript line the server
    refused shows the hint written for that mistake (hato answers a line without a tag
    as Dovecot does: ``LOGIN BAD Error in IMAP command ALICE: Unknown command.``)."""
    password = server.passwords["s001"]  # type: ignore[attr-defined]
    imap = _typed(server.ports["imap"], [f"LOGIN s001 {password}", f"a1 LOGIN s001 {password}"])
    assert imap[0].startswith("LOGIN BAD ") and imap[1].startswith("a1 OK")
    pop3 = _typed(server.ports["pop3"], ["RETR 1", "RERT 1", "USER s001", f"PASS {password}"])
    assert [answer[:3] for answer in pop3] == ["-ER", "-ER", "+OK", "+OK"]
    smtp = _typed(server.ports["smtp"], ["MAIL FROM:<taro@school.example>", "HELO pc"])
    smtp += _typed(server.ports["smtp"], ["HELO pc", "MAIL FROM:<taro@school.example>", "DATA"])
    assert [answer[:3] for answer in smtp] == ["503", "250", "250", "250", "503"]
    web = Web(server.ports["http"])
    web.login("root", "root-pw")
    page = html.unescape(web.get("/admin/class/student/s001").text)
    for hint in (
        "Every IMAP command starts with a tag",  # LOGIN without a tag
        "Log in first: USER name, then PASS password",  # RETR before the login
        "Unknown command: check the spelling (USER, PASS",  # RERT
        "Say who you are first: EHLO",  # MAIL before HELO
        "Give at least one recipient first",  # DATA before RCPT
    ):
        assert hint in page, hint
