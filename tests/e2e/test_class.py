"""``hato class``: a roster in, practice accounts out, as a teacher runs it; the students
then read the seeded material over POP3 and IMAP on real sockets."""

from __future__ import annotations

import imaplib
import poplib
import time
from pathlib import Path

import pytest

from hato.classroom.material import sample_messages
from hato.classroom.passwords import ALPHABET
from tests.e2e.harness import HatoProcess, hato, inbox_messages, read_store

ROSTER = (
    "id,name,email\n"
    "S2301,山田 太郎,yamada@example.jp\n"
    "s2302,佐藤 ﾊﾅｺ ①,\n"  # half-width kana and a cp932 character survive Shift_JIS
    "S2301,山田 二郎,\n"  # line 4: the id again
    "bad id,空白入り,\n"  # line 5: not an account name
    "S2303,,\n"  # line 6: no name
)


def _is_material(messages: list[bytes]) -> bool:
    """The sample messages, each after its own trace header, and nothing else."""
    samples = sample_messages()
    return len(messages) == len(samples) and all(map(bytes.endswith, messages, samples))


def _import(data: Path, roster: Path, *flags: str) -> dict[str, tuple[str, str]]:
    done = hato("class", "import", str(roster), *flags, data_dir=data)
    lines = done.stdout.splitlines()
    assert all(len(line.split()) == 3 for line in lines), done.stdout
    return {line.split()[1]: (line.split()[0], line.split()[2]) for line in lines}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "shift_jis", "cp932"])
def test_import_reports_bad_rows_and_imports_the_good(tmp_path: Path, encoding: str) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(
        ROSTER.replace("\n", "\r\n").encode(encoding if encoding != "shift_jis" else "cp932")
    )
    data = tmp_path / "data"
    done = hato("class", "import", str(roster), data_dir=data)
    assert done.returncode == 1  # some rows were bad; the good ones are in
    lines = [line.split() for line in done.stdout.splitlines()]
    assert [(ident, account) for ident, account, _ in lines] == [
        ("S2301", "s2301"),
        ("s2302", "s2302"),
    ]
    for _, _, password in lines:
        assert len(password) == 14 and set(password.replace("-", "")) <= set(ALPHABET)
    problems = done.stderr
    assert "line 4: id 'S2301' repeats line 2" in problems
    assert "line 5: id 'bad id' cannot name an account" in problems
    assert "line 6: no name for id 'S2303'" in problems
    assert "Traceback" not in problems
    assert len(inbox_messages(data, "s2302")) == len(sample_messages())


def test_a_file_that_is_not_a_roster_is_refused_in_words(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for content, words in (
        (b"id,name\n\x81 ,\x85@\n", "neither UTF-8 nor Shift_JIS"),
        (b"\xff\xfei\x00d\x00\x00\xd8", "starts as utf-16 text but is not"),
        (b"number,student\n1,a\n", "line 1: no id or name column"),
    ):
        roster = tmp_path / "roster.csv"
        roster.write_bytes(content)
        done = hato("class", "import", str(roster), data_dir=data)
        assert done.returncode == 1 and words in done.stderr and not done.stdout
    missing = hato("class", "import", str(tmp_path / "none.csv"), data_dir=data)
    assert missing.returncode == 1 and missing.stderr.startswith("hato: cannot read")


def test_reimport_keeps_passwords_unless_asked(tmp_path: Path) -> None:
    roster, data = tmp_path / "roster.csv", tmp_path / "data"
    roster.write_text("id,name\na01,一郎\na02,二郎\n", encoding="utf-8")
    first = _import(data, roster)
    assert sorted(first) == ["a01", "a02"]
    roster.write_text("name,ID,e-mail\n一郎 改,a01,ichiro@example.jp\n二郎,a02,\n三郎,a03,\n")
    again = _import(data, roster)
    assert sorted(again) == ["a03"]  # only the new student gets a line
    assert len(inbox_messages(data, "a01")) == len(sample_messages())  # not seeded twice
    reset = _import(data, roster, "--reset-passwords")
    assert sorted(reset) == ["a01", "a02", "a03"]
    assert reset["a01"][1] != first["a01"][1]
    listed = hato("user", "list", data_dir=data).stdout.split()
    assert [name for name in listed if name.startswith("a0")] == ["a01", "a02", "a03"]


def test_seed_reset_and_remove(tmp_path: Path) -> None:
    roster, data = tmp_path / "roster.csv", tmp_path / "data"
    roster.write_text("id,name\nb01,一郎\nb02,二郎\n")
    _import(data, roster)
    assert (
        hato("user", "add", "teacher", "--password-stdin", data_dir=data, stdin="pw\n").returncode
        == 0
    )
    roster.write_text("id,name\nb01,一郎\nteacher,先生\n")
    taken = hato("class", "import", str(roster), data_dir=data)
    assert "line 3: account teacher exists and is not in the class" in taken.stderr
    assert taken.returncode == 1 and not taken.stdout  # the teacher's account is not taken over
    seeded = hato("class", "seed", "teacher", data_dir=data)
    assert seeded.returncode == 0 and _is_material(inbox_messages(data, "teacher"))
    assert hato("class", "seed", "nobody", data_dir=data).returncode == 1
    hato("class", "seed", "b01", data_dir=data)
    assert len(inbox_messages(data, "b01")) == 2 * len(sample_messages())
    not_member = hato("class", "reset", "teacher", data_dir=data)
    assert not_member.returncode == 1 and "not in the class" in not_member.stderr
    one = hato("class", "reset", "b01", data_dir=data)
    assert one.returncode == 0 and "1 account(s)" in one.stdout
    assert _is_material(inbox_messages(data, "b01"))
    refused = hato("class", "remove", data_dir=data, stdin="n\n")
    assert refused.returncode == 1 and "[y/N]" in refused.stderr
    removed = hato("class", "remove", data_dir=data, stdin="y\n")
    assert removed.returncode == 0 and "2 account(s) deleted" in removed.stdout
    assert hato("user", "list", data_dir=data).stdout.split() == ["teacher"]  # not the teacher's
    assert hato("class", "remove", "--yes", data_dir=data).stdout.startswith(
        "hato: the class has no"
    )


def test_reset_gives_back_the_starting_mailboxes(tmp_path: Path) -> None:
    roster, data = tmp_path / "roster.csv", tmp_path / "data"
    roster.write_text("id,name\nc01,一郎\n")
    password = _import(data, roster)["c01"][1]
    server = HatoProcess(data, services=("imap",)).start()
    try:
        imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
        imap.login("c01", password)
        imap.create("Homework")
        imap.select("INBOX")
        imap.store("1:3", "+FLAGS", "\\Deleted")
        imap.expunge()
        imap.logout()
        before = time.time()
        assert hato("class", "reset", data_dir=data).returncode == 0
        # The lab begun anew too: the server forgets the checklist and the transcripts
        # of before at its next look at the roster (tests/classroom/test_monitor.py).
        (member,) = read_store(data, lambda store: store.class_members())  # type: ignore[misc]
        assert member.lab_since >= before
        assert read_store(data, lambda store: store.lab_steps()) == {}
        imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
        imap.login("c01", password)
        _, listed = imap.list()
        names = sorted(line.decode().rsplit(" ", 1)[-1].strip('"') for line in listed)
        assert names == ["Drafts", "INBOX", "Sent", "Trash"]
        _, count = imap.select("INBOX")
        assert int(count[0]) == len(sample_messages())
        imap.logout()
    finally:
        server.stop()


def test_students_read_the_material_over_pop3_and_imap(tmp_path: Path) -> None:
    roster, data = tmp_path / "roster.csv", tmp_path / "data"
    roster.write_text("id,name\nd01,一郎\n")
    password = _import(data, roster)["d01"][1]
    server = HatoProcess(data, services=("pop3", "imap")).start()
    try:
        pop = poplib.POP3("127.0.0.1", server.ports["pop3"])
        pop.user("d01")
        pop.pass_(password)
        assert pop.stat()[0] == len(sample_messages())
        first = b"\r\n".join(pop.retr(1)[1])
        assert b"Content-Type: text/plain; charset=ISO-2022-JP" in first
        assert "受講生の皆さん".encode("iso-2022-jp") in first
        top = pop.top(4, 0)[1]
        assert b"In-Reply-To: <lab-01@example.jp>" in top and b"" in top
        pop.quit()
        imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
        imap.login("d01", password)
        imap.select("INBOX", readonly=True)
        _, structure = imap.fetch("6", "(BODYSTRUCTURE)")
        assert b'"attachment" ("filename" "schedule.csv")' in structure[0]
        _, found = imap.search(None, "HEADER", "In-Reply-To", "lab-01@example.jp")
        assert found == [b"4"]
        imap.logout()
    finally:
        server.stop()
