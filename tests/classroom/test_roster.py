"""Roster parsing, passwords and card lines: the classroom's pure parts."""

from __future__ import annotations

import codecs

from hypothesis import given
from hypothesis import strategies as st

from hato.classroom.cards import card_lines
from hato.classroom.passwords import ALPHABET, new_password
from hato.classroom.roster import MAX_STUDENTS, read_roster


def test_excel_rosters_in_every_encoding_read_alike() -> None:
    text = "氏名,学籍番号,メールアドレス\r\n山田 ﾀﾛｳ ㈱,A01,a@example.jp\r\n\r\n,,\r\n"
    encoded = [
        text.encode("cp932"),
        codecs.BOM_UTF8 + text.encode(),
        text.encode(),
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    ]
    rosters = [read_roster(data) for data in encoded]
    assert [r.encoding for r in rosters] == ["shift_jis", "utf-8", "utf-8", "utf-16"]
    for roster in rosters:
        assert roster.problems == []
        [student] = roster.students
        assert (student.line, student.account, student.name) == (2, "a01", "山田 ﾀﾛｳ ㈱")
        assert student.email == "a@example.jp"


def test_each_bad_row_is_named_by_its_line() -> None:
    roster = read_roster(
        b'id,name,email\nok1,A\nOK1,B\n"two\nlines",C\nok2,\nok3,D,no address\nx/y,E\n'
    )
    assert [s.account for s in roster.students] == ["ok1"]
    assert [(p.line, p.text.split(":")[0]) for p in roster.problems] == [
        (3, "id 'OK1' repeats line 2"),
        (5, "id 'two\\nlines' cannot name an account"),  # a quoted field over two lines
        (6, "no name for id 'ok2'"),
        (7, "not an e-mail address"),
        (8, "id 'x/y' cannot name an account"),
    ]


def test_a_roster_without_its_columns_or_too_long_stops_early() -> None:
    assert str(read_roster(b"name\nA\n").problems[0]).startswith("line 1: no id column")
    rows = b"id,name\n" + b"".join(b"s%d,N\n" % n for n in range(MAX_STUDENTS + 5))
    roster = read_roster(rows)
    assert len(roster.students) == MAX_STUDENTS
    assert roster.problems[-1].text.startswith(f"more than {MAX_STUDENTS} rows")


@given(st.binary(max_size=2000))
def test_any_bytes_give_students_or_problems_never_an_exception(data: bytes) -> None:
    roster = read_roster(b"id,name\n" + data)
    accounts = [s.account for s in roster.students]
    assert len(accounts) == len(set(accounts))
    assert all(p.line >= 0 and p.text for p in roster.problems)


@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), max_size=30))
def test_any_cells_round_trip_through_csv(rows: list[tuple[str, str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows([("id", "name"), *rows])
    roster = read_roster(out.getvalue().encode())
    assert len(roster.students) + len(roster.problems) <= len(rows)


def test_passwords_are_easy_to_type() -> None:
    passwords = {new_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        groups = password.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(ALPHABET)
    assert not set("0o1liIjO") & set(ALPHABET)


def test_card_lines_cover_the_listening_lecture_ports() -> None:
    ports = {"pop3": 110, "pop3s": 995, "imap": 143, "imaps": 0, "smtp": 25, "lmtp": 24}
    lines = card_lines("mail.example.jp", ports)
    assert [(line.label, line.port) for line in lines] == [
        ("POP3", 110), ("POP3S", 995), ("IMAP", 143), ("SMTP", 25),
    ]  # fmt: skip
    assert lines[0].command == "nc -C mail.example.jp 110"
    assert lines[0].other == "telnet mail.example.jp 110"
    assert lines[1].command == "openssl s_client -crlf -quiet -connect mail.example.jp:995"
    assert card_lines("::1", {"imaps": 993})[0].command.endswith("-connect [::1]:993")
