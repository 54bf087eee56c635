"""TRANSACTION state: every command and error path, bytes in and bytes out."""

from __future__ import annotations

import pytest

from hato.proto.pop3 import (
    CLOSED,
    LocalProtocolError,
    Pop3Connection,
    Reply,
    Retrieve,
    Scan,
    State,
)

from .pop3_harness import FakeStore, Session

MESSAGES = [
    ("uid-a", b"Subject: a\r\n\r\nbody a\r\n"),
    ("uid-b", b"Subject: b\r\n\r\nline 1\r\n.line 2\r\n..line 3\r\nline 4\r\n"),
    ("uid-c", b"Subject: c\r\n\r\nc"),
]


@pytest.fixture
def pop() -> Session:
    session = Session(FakeStore(messages=list(MESSAGES)))
    session.login()
    return session


def lines(*texts: str) -> str:
    return "".join(text + "\r\n" for text in texts)


def test_stat_list_uidl(pop: Session) -> None:
    sizes = [len(m) for _, m in MESSAGES]
    assert pop("STAT") == f"+OK 3 {sum(sizes)}\r\n"
    assert pop("LIST") == lines(
        "+OK 3 messages:", *(f"{i} {s}" for i, s in enumerate(sizes, 1)), "."
    )
    assert pop("UIDL") == lines("+OK", "1 uid-a", "2 uid-b", "3 uid-c", ".")
    assert pop("LIST 3") == f"+OK 3 {sizes[2]}\r\n"
    assert pop("UIDL 2") == "+OK 2 uid-b\r\n"


def test_dele_hides_at_once_and_rset_undoes(pop: Session) -> None:
    assert pop("DELE 2") == "+OK Marked to be deleted.\r\n"
    size_b = len(MESSAGES[1][1])
    total = sum(len(m) for _, m in MESSAGES)
    assert pop("STAT") == f"+OK 2 {total - size_b}\r\n"
    assert pop("LIST") == lines(
        "+OK 2 messages:", f"1 {len(MESSAGES[0][1])}", f"3 {len(MESSAGES[2][1])}", "."
    )
    assert pop("UIDL") == lines("+OK", "1 uid-a", "3 uid-c", ".")
    for command in ("LIST 2", "UIDL 2", "RETR 2", "TOP 2 0", "DELE 2"):
        assert pop(command) == "-ERR Message is deleted.\r\n"
    assert pop("RSET") == "+OK\r\n"
    assert pop("STAT") == f"+OK 3 {total}\r\n"


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("RETR", "-ERR Invalid message number: "),
        ("RETR abc", "-ERR Invalid message number: abc"),
        ("RETR -1", "-ERR Invalid message number: -1"),
        ("RETR 0", "-ERR There's no message 0."),
        ("RETR 4", "-ERR There's no message 4."),
        ("LIST 99", "-ERR There's no message 99."),
        ("RETR 1x", "-ERR Noise after message number: x"),
        ("RETR 1 2", "-ERR Noise after message number:  2"),
        ("RETR 4294967296", "-ERR Message number too large: 4294967296"),
        ("RETR 99999999999999999999999", "-ERR Message number too large: 99999999999999999999999"),
        ("TOP 1", "-ERR Noise after message number: "),
        ("TOP 1 x", "-ERR Invalid size: x"),
        ("TOP 1 1x", "-ERR Noise after size: x"),
        ("TOP 1 99999999999999999999999", "-ERR Size too large: 99999999999999999999999"),
        ("DELE", "-ERR Invalid message number: "),
        ("FROB", "-ERR Unknown command: FROB"),
        ("frob x", "-ERR Unknown command: FROB"),
        ("USER is_network", "-ERR Unknown command: USER"),
        ("PASS x", "-ERR Unknown command: PASS"),
        ("STLS", "-ERR Unknown command: STLS"),
        ("AUTH PLAIN", "-ERR Unknown command: AUTH"),
        ("UTF8", "-ERR Unknown command: UTF8"),
        ("", "-ERR Unknown command: "),
        ("RETR \x01", "-ERR Invalid message number: \\x01"),
        ("NO\x00OP", "-ERR Unknown command: NO\\x00OP"),
    ],
)
def test_errors(pop: Session, command: str, reply: str) -> None:
    assert pop(command) == reply + "\r\n"
    assert pop("NOOP") == "+OK\r\n"


def test_case_insensitive_and_spaces(pop: Session) -> None:
    assert pop("retr 1").startswith("+OK")
    assert pop("list   2") == f"+OK 2 {len(MESSAGES[1][1])}\r\n"
    assert pop("Stat").startswith("+OK 3 ")


def test_retr_octets_and_dot_stuffing(pop: Session) -> None:
    content = MESSAGES[1][1]
    assert pop("RETR 2") == (
        f"+OK {len(content)} octets\r\n"
        "Subject: b\r\n\r\nline 1\r\n..line 2\r\n...line 3\r\nline 4\r\n.\r\n"
    )
    assert pop.store.retrieved[-1] == Retrieve(2, "uid-b", None)


def test_retr_adds_the_missing_final_crlf(pop: Session) -> None:
    assert pop("RETR 3") == f"+OK {len(MESSAGES[2][1])} octets\r\nSubject: c\r\n\r\nc\r\n.\r\n"


@pytest.mark.parametrize(
    ("top", "reply"),
    [
        (0, "Subject: b\r\n\r\n"),
        (1, "Subject: b\r\n\r\nline 1\r\n"),
        (2, "Subject: b\r\n\r\nline 1\r\n..line 2\r\n"),
        (99, "Subject: b\r\n\r\nline 1\r\n..line 2\r\n...line 3\r\nline 4\r\n"),
    ],
)
def test_top(pop: Session, top: int, reply: str) -> None:
    assert pop(f"TOP 2 {top}") == "+OK\r\n" + reply + ".\r\n"
    assert pop.store.retrieved[-1] == Retrieve(2, "uid-b", top)


@pytest.mark.parametrize(
    ("content", "top0", "retr"),
    [
        (b"", "", ""),
        (b".", "..\r\n", "..\r\n"),
        (b"\r\nbody\r\n", "\r\n", "\r\nbody\r\n"),
        (b"A: 1\r\nB: 2\r\n", "A: 1\r\nB: 2\r\n", "A: 1\r\nB: 2\r\n"),
        (b"A: 1\n\n.x\nlast", "A: 1\r\n\r\n", "A: 1\r\n\r\n..x\r\nlast\r\n"),
        (b".A: 1\r\n\r\n.\r\n", "..A: 1\r\n\r\n", "..A: 1\r\n\r\n..\r\n"),
    ],
)
def test_odd_messages(content: bytes, top0: str, retr: str) -> None:
    pop = Session(FakeStore(messages=[("u", content)]))
    pop.login()
    assert pop("TOP 1 0") == "+OK\r\n" + top0 + ".\r\n"
    assert pop("RETR 1") == f"+OK {len(content)} octets\r\n" + retr + ".\r\n"


def test_vanished_message_gets_a_clean_error(pop: Session) -> None:
    pop.store.vanished.add("uid-b")
    assert pop("RETR 2") == "-ERR Message 2 expunged.\r\n"
    assert pop("TOP 2 0") == "-ERR Message 2 expunged.\r\n"
    assert pop("STAT").startswith("+OK 3 ")
    assert pop("RETR 1").startswith("+OK")


def test_quit_commits_deletions(pop: Session) -> None:
    pop("DELE 3")
    pop("DELE 1")
    assert pop("QUIT") == "+OK Logging out, messages deleted.\r\n"
    assert pop.store.committed == [("uid-a", "uid-c")]
    assert pop.closed
    assert pop.conn.state is State.CLOSED
    assert pop("NOOP") == ""


def test_quit_without_deletions(pop: Session) -> None:
    pop("DELE 1")
    pop("RSET")
    assert pop("QUIT") == "+OK Logging out.\r\n"
    assert pop.store.committed == [()]


def test_failed_commit(pop: Session) -> None:
    pop.store.commit_ok = False
    pop("DELE 1")
    assert pop("QUIT").startswith("-ERR [SYS/TEMP] ")
    assert pop.closed


def test_dropped_connection_commits_nothing(pop: Session) -> None:
    pop("DELE 1")
    assert pop.send(b"QUI") == ""
    assert pop.store.committed == []


def test_capa_after_login(pop: Session) -> None:
    assert pop("CAPA") == lines(
        "+OK", "CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE",
        "IMPLEMENTATION hato", ".",
    )  # fmt: skip


def test_too_many_bad_commands(pop: Session) -> None:
    for _ in range(20):
        assert pop("RETR x") == "-ERR Invalid message number: x\r\n"
    assert pop("RETR x") == lines("-ERR Invalid message number: x", "-ERR Too many bad commands.")
    assert pop.closed


def test_good_command_resets_the_bad_count(pop: Session) -> None:
    for _ in range(30):
        pop("FROB")
        pop("NOOP")
    assert not pop.closed


def test_overlong_command_line(pop: Session) -> None:
    assert pop("LIST " + "1" * 300) == "-ERR Input line too long.\r\n"
    assert pop("NOOP " + "x" * 20000) == "-ERR Input line too long.\r\n"
    assert pop("NOOP") == "+OK\r\n"


def test_overlong_line_in_pieces(pop: Session) -> None:
    assert pop.send(b"x" * 5000) == ""
    assert pop.send(b"x" * 5000) == "-ERR Input line too long.\r\n"
    assert pop.send(b"x" * 50000) == ""
    assert pop.send(b"xx\r\nNOOP\r\n") == "+OK\r\n"


def test_bare_lf_line_ends(pop: Session) -> None:
    assert pop.send(b"NOOP\nSTAT\n").startswith("+OK\r\n+OK 3 ")


def test_replies_are_coalesced_until_a_request() -> None:
    conn = Pop3Connection(plaintext_allowed=True)
    conn.receive_data(b"CAPA\r\nNOOP\r\nUSER u\r\nPASS p\r\nNOOP\r\n")
    first = conn.next_event()
    assert isinstance(first, Reply)
    assert first.data.endswith(b"-ERR Unknown command.\r\n+OK\r\n")
    request = conn.next_event()
    assert type(request).__name__ == "CheckPassword"
    with pytest.raises(LocalProtocolError):
        conn.next_event()
    assert conn.auth_failed() == b"-ERR [AUTH] Authentication failed.\r\n"
    assert conn.next_event() == Reply(b"-ERR Unknown command.\r\n")


def test_answers_without_a_request_are_refused() -> None:
    conn = Pop3Connection()
    for answer in (conn.auth_failed, conn.commit_done, conn.message_vanished, conn.tls_established):
        with pytest.raises(LocalProtocolError):
            answer()
    with pytest.raises(LocalProtocolError):
        conn.send_message(b"x")


def test_closed_connection_ignores_input() -> None:
    conn = Pop3Connection()
    conn.receive_data(b"QUIT\r\n")
    assert conn.next_event() == Reply(b"+OK Logging out\r\n")
    assert conn.next_event() is CLOSED
    conn.receive_data(b"NOOP\r\n")
    assert conn.next_event() is CLOSED


def test_public_surface() -> None:
    import dataclasses

    import hato.proto.pop3 as pop3

    assert sorted(pop3.__all__) == sorted(set(pop3.__all__))
    for name in pop3.__all__:
        assert hasattr(pop3, name), name
    events = [pop3.CheckApop, pop3.CheckPassword, pop3.Commit, pop3.FetchScramKeys]
    events += [pop3.Reply, pop3.Retrieve, pop3.SaslResult, pop3.StartTls]
    for event in events:
        params = event.__dataclass_params__  # type: ignore[attr-defined]
        assert dataclasses.is_dataclass(event) and params.frozen and "__slots__" in vars(event)


def test_large_maildrop() -> None:
    count = 86_719
    conn = Pop3Connection(plaintext_allowed=True)
    conn.receive_data(b"USER u\r\nPASS p\r\n")
    assert conn.next_event() == Reply(b"+OK\r\n")
    assert conn.next_event().__class__.__name__ == "CheckPassword"
    entries = [(f"{i:016x}", 7500 + i % 100) for i in range(count)]
    conn.auth_succeeded(Scan([uid for uid, _ in entries], [size for _, size in entries]))
    conn.receive_data(b"STAT\r\nUIDL\r\nLIST\r\n")
    reply = conn.next_event()
    assert isinstance(reply, Reply)
    assert reply.data.startswith(f"+OK {count} {sum(s for _, s in entries)}\r\n".encode())
    assert reply.data.count(b"\r\n") == 1 + 2 * (count + 2)
