"""SORT and UID SORT (RFC 5256 §3, RFC 5957 SORT=DISPLAY) over imaplib against a real
`hato serve`: every sort key, Japanese and English data, REVERSE, search criteria, and
the answers to bad input over a raw socket."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess, b_word, raw_imap_session, seed_inbox, tagged_answer

# (headers, INTERNALDATE, body size); the bodies set the SIZE order: 2 4 1 5 3 6.
MESSAGES = [
    (  # 1
        f"From: {b_word('山田 太郎', 'iso-2022-jp')} <yamada@example.jp>\r\n"
        "To: Bob <bob@example.com>\r\n"
        f"Cc: {b_word('佐藤 花子', 'utf-8')} <sato@example.jp>\r\n"
        f"Subject: {b_word('Re: 会議の件', 'iso-2022-jp')}\r\n"
        "Date: Tue, 02 Jan 2024 20:00:00 +0900\r\n",
        "05-Jan-2024 12:00:00 +0000",
        3000,
    ),
    (  # 2
        "From: Zoe Smith <alice@example.org>\r\n"
        "To: Zed <zed@example.net>\r\n"
        "Cc: carol@example.com\r\n"
        "Subject: Fwd: Quarterly report\r\n"
        "Date: Tue, 02 Jan 2024 09:00:00 +0000\r\n",
        "01-Jan-2024 12:00:00 +0000",
        1000,
    ),
    (  # 3: no Date field, so DATE uses the INTERNALDATE
        "From: bob@example.com\r\n"
        f"To: {b_word('鈴木 一郎', 'utf-8')} <suzuki@example.jp>\r\n"
        f"Subject: {b_word('会議の件', 'utf-8')}\r\n",
        "02-Jan-2024 12:00:00 +0000",
        5000,
    ),
    (  # 4
        "From: carol <carol@example.com>\r\n"
        "To: alice@example.org\r\n"
        "Cc: Dave <dave@example.net>\r\n"
        "Subject: re: [ml] quarterly REPORT (fwd)\r\n"
        "Date: Thu, 04 Jan 2024 09:00:00 -0500\r\n",
        "04-Jan-2024 12:00:00 +0000",
        2000,
    ),
    (  # 5
        "From: =?UTF-8?Q?=C3=89mile?= <emile@example.fr>\r\n"
        "To: team: a@x.example, b@y.example;\r\n"
        "Cc: alice@example.org\r\n"
        "Subject: Hello world\r\n"
        "Date: Sat, 30 Dec 2023 23:00:00 -0200\r\n",
        "03-Jan-2024 12:00:00 +0000",
        4000,
    ),
    (  # 6
        f"From: {b_word('ｱﾙﾌｧ', 'utf-8')} <alpha@example.jp>\r\n"
        f"To: {b_word('あいざわ', 'iso-2022-jp')} <aizawa@example.jp>\r\n"
        "Cc: Sato <sato@example.jp>\r\n"
        f"Subject: {b_word('Fwd: あいさつ', 'iso-2022-jp')}\r\n"
        "Date: Fri, 05 Jan 2024 00:00:00 +0000\r\n",
        "06-Jan-2024 12:00:00 +0000",
        6000,
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("imap-sort") / "data"
    process = HatoProcess(data, services=("imap",))
    process.add_user("alice", "alice-pw")
    process.start()
    messages = [
        ((headers + "\r\n").encode() + b"x" * (size - 2) + b"\r\n", internal)
        for headers, internal, size in MESSAGES
    ]
    seed_inbox(process.ports["imap"], "alice", "alice-pw", messages)
    yield process
    assert process.stop() == 0


@pytest.fixture
def imap(server: HatoProcess) -> Iterator[imaplib.IMAP4]:
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    client.login("alice", "alice-pw")
    assert client.select("INBOX") == ("OK", [b"6"])
    yield client
    client.logout()


def sort(imap: imaplib.IMAP4, program: str, *search: str, charset: str = "UTF-8") -> list[int]:
    typ, data = imap.sort(f"({program})", charset, *(search or ("ALL",)))
    assert typ == "OK", data
    return [int(n) for n in data[0].split()]


def uid_sort(imap: imaplib.IMAP4, program: str, *search: str) -> list[int]:
    typ, data = imap.uid("SORT", f"({program})", "UTF-8", *(search or ("ALL",)))
    assert typ == "OK", data
    return [int(n) for n in data[0].split()]


def test_capabilities(imap: imaplib.IMAP4) -> None:
    typ, data = imap.capability()
    assert typ == "OK"
    assert {b"SORT", b"SORT=DISPLAY"} <= set(data[0].split())


@pytest.mark.parametrize(
    ("program", "expected", "reversed_"),
    [
        ("ARRIVAL", [2, 3, 5, 4, 1, 6], [6, 1, 4, 5, 3, 2]),
        ("SIZE", [2, 4, 1, 5, 3, 6], [6, 3, 5, 1, 4, 2]),
        # time zones count; the message without Date sorts by its INTERNALDATE
        ("DATE", [5, 2, 1, 3, 4, 6], [6, 4, 3, 1, 2, 5]),
        # base subjects: HELLO WORLD, QUARTERLY REPORT (2, 4), あいさつ, 会議の件 (1, 3)
        ("SUBJECT", [5, 2, 4, 6, 1, 3], [1, 3, 6, 2, 4, 5]),
        # first addr-mailbox: ALICE ALPHA BOB CAROL EMILE YAMADA
        ("FROM", [2, 6, 3, 4, 5, 1], [1, 5, 4, 3, 6, 2]),
        # AIZAWA ALICE BOB SUZUKI TEAM (a group's name) ZED
        ("TO", [6, 4, 1, 3, 5, 2], [2, 5, 3, 1, 4, 6]),
        # none first, then ALICE CAROL DAVE SATO SATO
        ("CC", [3, 5, 2, 4, 1, 6], [1, 6, 4, 2, 5, 3]),
        # BOB@EXAMPLE.COM CAROL ÉMILE (decomposed, among the E's) ZOE アルファ (from
        # halfwidth ｱﾙﾌｧ) 山田
        ("DISPLAYFROM", [3, 4, 5, 2, 6, 1], [1, 6, 2, 5, 4, 3]),
        # ALICE@EXAMPLE.ORG BOB TEAM ZED あいざわ 鈴木
        ("DISPLAYTO", [4, 1, 5, 2, 6, 3], [3, 6, 2, 5, 1, 4]),
    ],
)
def test_each_key(
    imap: imaplib.IMAP4, program: str, expected: list[int], reversed_: list[int]
) -> None:
    """REVERSE reverses the key, not the ties: they stay in mailbox order."""
    assert sort(imap, program) == expected
    assert sort(imap, f"REVERSE {program}") == reversed_
    assert uid_sort(imap, program) == [seq + 1 for seq in expected]


def test_reverse_keeps_ties_in_mailbox_order(imap: imaplib.IMAP4) -> None:
    assert sort(imap, "SUBJECT") == [5, 2, 4, 6, 1, 3]
    assert sort(imap, "REVERSE SUBJECT") == [1, 3, 6, 2, 4, 5]
    assert sort(imap, "REVERSE CC") == [1, 6, 4, 2, 5, 3]


def test_several_criteria(imap: imaplib.IMAP4) -> None:
    assert sort(imap, "SUBJECT REVERSE ARRIVAL") == [5, 4, 2, 6, 1, 3]
    assert sort(imap, "CC REVERSE ARRIVAL") == [3, 5, 2, 4, 6, 1]
    assert sort(imap, "REVERSE SUBJECT SIZE") == [1, 3, 6, 2, 4, 5]
    assert uid_sort(imap, "SUBJECT REVERSE DATE") == [6, 5, 3, 7, 4, 2]


def test_search_criteria_select_what_is_sorted(imap: imaplib.IMAP4) -> None:
    assert sort(imap, "SUBJECT", "FROM", "example.jp") == [6, 1]
    assert sort(imap, "ARRIVAL", "LARGER", "2500", "NOT", "TO", "team") == [3, 1, 6]
    assert sort(imap, "SIZE", "2:4") == [2, 4, 3]
    assert uid_sort(imap, "REVERSE SIZE", "UID", "3:5") == [4, 5, 3]
    assert sort(imap, "ARRIVAL", "SUBJECT", "nothing-like-this") == []
    assert sort(imap, "ARRIVAL", "ALL", charset="US-ASCII") == [2, 3, 5, 4, 1, 6]


def test_japanese_search_literal(imap: imaplib.IMAP4) -> None:
    imap.literal = "会議".encode()  # type: ignore[assignment]  # imaplib sends bytes
    assert sort(imap, "DATE", "SUBJECT") == [1, 3]
    imap.literal = "会議".encode()  # type: ignore[assignment]  # imaplib sends bytes
    assert sort(imap, "REVERSE DATE", "SUBJECT") == [3, 1]


def raw_session(server: HatoProcess, *lines: str) -> list[bytes]:
    return raw_imap_session(server.ports["imap"], "alice alice-pw", *lines)


def test_bad_input(server: HatoProcess) -> None:
    lines = raw_session(
        server,
        "n SORT (ARRIVAL) UTF-8 ALL",
        "s SELECT INBOX",
        "k SORT (FROB) UTF-8 ALL",
        "r SORT (REVERSE) UTF-8 ALL",
        "e SORT () UTF-8 ALL",
        "c SORT (SUBJECT) KOI8-R ALL",
        "m SORT (SUBJECT) UTF-8",
        "p SORT SUBJECT UTF-8 ALL",
        "x SORT (ARRIVAL) UTF-8 ALL",
    )
    assert tagged_answer(lines, "n").startswith(b"n BAD")  # not selected
    for tag in "kremp":
        assert tagged_answer(lines, tag).startswith(tag.encode() + b" BAD"), tag
    known = b"c NO [BADCHARSET (UTF-8 US-ASCII ISO-2022-JP SHIFT_JIS EUC-JP)]"
    assert tagged_answer(lines, "c").startswith(known)
    assert b"* SORT 2 3 5 4 1 6" in lines
    assert tagged_answer(lines, "x") == b"x OK Sort completed."
    assert sum(line.startswith(b"* SORT") for line in lines) == 1
