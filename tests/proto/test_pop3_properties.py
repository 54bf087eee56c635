"""Property tests: no input raises, every reply is well-formed, stuffing round-trips."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hato.proto.pop3 import CLOSED, Pop3Connection

from .pop3_harness import FakeStore, Session, run

KEYWORDS = [
    "USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "QUIT", "UTF8", "STAT", "LIST", "RETR",
    "DELE", "NOOP", "RSET", "TOP", "UIDL", "FROB", "",
]  # fmt: skip
MULTILINE = {"LIST", "UIDL", "RETR", "TOP", "CAPA"}
MESSAGES = [("u1", b"Subject: x\r\n\r\n.hi\r\n"), ("u2", b"no header end"), ("u3", b"")]

arguments = st.one_of(
    st.just(""),
    st.integers(-2, 5).map(str),
    st.tuples(st.integers(0, 4), st.integers(0, 3)).map(lambda t: f"{t[0]} {t[1]}"),
    st.text(max_size=30),
)
commands = st.tuples(st.sampled_from(KEYWORDS), arguments, st.booleans()).map(
    lambda t: (t[0].lower() if t[2] else t[0]) + (" " + t[1] if t[1] else "")
)


def well_formed(output: bytes) -> list[bytes]:
    """Split into lines, checking every line is CRLF-terminated and has no CR/LF inside."""
    if not output:
        return []
    assert output.endswith(b"\r\n")
    lines = output[:-2].split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in lines)
    return lines


def store() -> FakeStore:
    return FakeStore(messages=list(MESSAGES), apop_secrets={"is_network": "s"})


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=300), max_size=8), st.booleans(), st.booleans())
def test_arbitrary_bytes_never_raise(chunks: list[bytes], plaintext: bool, tls: bool) -> None:
    conn = Pop3Connection(plaintext_allowed=plaintext, tls_available=tls, apop_timestamp="<1.2@h>")
    data = store()
    for chunk in chunks:
        lines = well_formed(run(conn, chunk, data))
        if lines:
            assert lines[0].startswith((b"+OK", b"-ERR", b"+ "))


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_arbitrary_bytes_after_login(chunks: list[bytes]) -> None:
    session = Session(store())
    session.login()
    for chunk in chunks:
        well_formed(run(session.conn, chunk, session.store))


@settings(max_examples=300)
@given(st.lists(commands, max_size=25), st.booleans())
def test_every_command_gets_one_well_formed_reply(lines: list[str], logged_in: bool) -> None:
    session = Session(store(), tls_available=True)
    if logged_in:
        session.login()
    for line in lines:
        if session.closed:
            break
        output = run(session.conn, line.encode() + b"\r\n", session.store)
        replies = well_formed(output)
        assert replies, line
        status = replies[0]
        assert status.startswith((b"+OK", b"-ERR", b"+ ")), (line, output)
        keyword = line.split(" ")[0].upper()
        multi = keyword in MULTILINE and status == b"+OK" and " " not in line.strip()
        if multi or (keyword in ("RETR", "TOP") and status.startswith(b"+OK")):
            assert output.endswith(b"\r\n.\r\n")


@given(st.binary(max_size=500))
def test_retr_stuffing_round_trips(content: bytes) -> None:
    session = Session(FakeStore(messages=[("u", content)]))
    session.login()
    output = run(session.conn, b"RETR 1\r\n", session.store)
    status, _, rest = output.partition(b"\r\n")
    assert status == f"+OK {len(content)} octets".encode()
    assert rest.endswith(b".\r\n")
    body = rest[:-3]
    expected = re.sub(rb"\r?\n", b"\r\n", content)
    if expected and not expected.endswith(b"\r\n"):
        expected += b"\r\n"
    lines = body.split(b"\r\n")
    assert b"." not in lines[:-1]
    assert b"\r\n".join(line[1:] if line.startswith(b".") else line for line in lines) == expected


@given(st.binary(max_size=300), st.integers(0, 5))
def test_top_is_a_prefix_of_retr(content: bytes, count: int) -> None:
    session = Session(FakeStore(messages=[("u", content)]))
    session.login()
    top = run(session.conn, f"TOP 1 {count}\r\n".encode(), session.store)
    retr = run(session.conn, b"RETR 1\r\n", session.store)
    assert top.startswith(b"+OK\r\n") and top.endswith(b".\r\n")
    top_body = top[5:-3]
    retr_body = retr.partition(b"\r\n")[2][:-3]
    assert retr_body.startswith(top_body.removesuffix(b"\r\n"))


def test_closed_is_final() -> None:
    conn = Pop3Connection()
    run(conn, b"QUIT\r\n", FakeStore())
    assert conn.next_event() is CLOSED
