"""BINARY (RFC 3516) against a real `hato serve`: FETCH BINARY[], BINARY.PEEK[] and
BINARY.SIZE[] with the content transfer encoding undone, a literal8 APPEND, `~{n}`
answers where the data holds NUL, `NO [UNKNOWN-CTE]`, and malformed forms answered BAD.

imaplib reads the answers (its literal pattern takes `~{n}` too); APPEND with a literal8
and the exact answer bytes go over a raw socket.
"""

from __future__ import annotations

import base64
import imaplib
import re
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess

USER, PASSWORD = "bina", "bina-pw"
PAYLOAD = b"\x00\x01\xffbinary\r\n\x00tail"  # NUL, 8-bit, a line end inside
MIXED = (
    b"From: a@example.org\r\n"
    b"Subject: parts\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n'
    b"\r\n"
    b"--b\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.encodebytes(PAYLOAD).replace(b"\n", b"\r\n") + b"\r\n"
    b"--b\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"caf=C3=A9 soft=\r\n"
    b"break   \r\n"
    b"\r\n"
    b"--b\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Transfer-Encoding: x-uuencode\r\n"
    b"\r\n"
    b"begin 644 x\r\n"
    b"\r\n"
    b"--b--\r\n"
)
RAW_BINARY = (
    b"From: b@example.org\r\n"
    b"Subject: sent binary\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: binary\r\n"
    b"\r\n" + PAYLOAD
)
_LITERAL = re.compile(rb"~?\{(\d+)\}\r\n\Z")


class Wire:
    """A raw IMAP connection that reads answers as bytes, literals included."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.file.readline()

    def response(self) -> bytes:
        """One response line with its literals."""
        out = self.file.readline()
        while (found := _LITERAL.search(out)) is not None:
            out += self.file.read(int(found.group(1)))
            out += self.file.readline()
        return out

    def command(self, line: bytes) -> list[bytes]:
        tag = line.split()[0]
        self.sock.sendall(line + b"\r\n")
        answers = []
        while not (answer := self.response()).startswith(tag + b" "):
            assert answer, answers
            answers.append(answer)
        return [*answers, answer]

    def append8(self, mailbox: bytes, message: bytes) -> bytes:
        """APPEND with a synchronizing literal8 (RFC 3516 §4.3)."""
        self.sock.sendall(b"p APPEND " + mailbox + b" ~{%d}\r\n" % len(message))
        assert self.file.readline().startswith(b"+ ")
        self.sock.sendall(message + b"\r\n")
        return self.response()

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("binary") / "data"
    process = HatoProcess(data, services=("imap",))
    process.add_user(USER, PASSWORD)
    process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture(scope="module")
def mailbox(server: HatoProcess) -> str:
    """INBOX holds MIXED (1), then RAW_BINARY appended with a literal8 (2)."""
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login(USER, PASSWORD)
    assert imap.append("INBOX", None, None, MIXED)[0] == "OK"
    imap.logout()
    wire = login(server)
    assert wire.append8(b"INBOX", RAW_BINARY).startswith(b"p OK [APPENDUID ")
    wire.close()
    return "INBOX"


def login(server: HatoProcess) -> Wire:
    wire = Wire(server.ports["imap"])
    assert wire.command(f"a LOGIN {USER} {PASSWORD}".encode())[-1].startswith(b"a OK")
    return wire


@pytest.fixture
def wire(server: HatoProcess, mailbox: str) -> Iterator[Wire]:
    client = login(server)
    assert client.command(b"s SELECT " + mailbox.encode())[-1].startswith(b"s OK")
    yield client
    client.close()


def test_binary_is_advertised_after_login(server: HatoProcess) -> None:
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login(USER, PASSWORD)
    assert "BINARY" in imap.capability()[1][0].decode().split()
    imap.logout()


def test_base64_part_comes_back_decoded_as_a_literal8(wire: Wire) -> None:
    answer = wire.command(b"f FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])")
    expected = b"* 1 FETCH (BINARY.SIZE[1] %d BINARY[1] ~{%d}\r\n" % (len(PAYLOAD), len(PAYLOAD))
    assert answer == [expected + PAYLOAD + b")\r\n", b"f OK Fetch completed.\r\n"]


def test_quoted_printable_part_comes_back_decoded(wire: Wire) -> None:
    answer = wire.command(b"f FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])")
    text = "café soft".encode() + b"break\r\n"
    assert answer[0] == b"* 1 FETCH (BINARY[2] {%d}\r\n%s BINARY.SIZE[2] %d)\r\n" % (
        len(text),
        text,
        len(text),
    )


def test_partial_counts_decoded_octets(wire: Wire) -> None:
    answer = wire.command(b"f FETCH 1 (BINARY.PEEK[1]<3.6> BINARY.PEEK[1]<100.5>)")
    assert answer[0] == b"* 1 FETCH (BINARY[1]<3> {6}\r\nbinary BINARY[1]<100> {0}\r\n)\r\n"


def test_whole_message_and_multipart_are_as_stored(wire: Wire) -> None:
    answer = wire.command(b"f FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])")
    assert answer[0] == b"* 1 FETCH (BINARY[] {%d}\r\n%s BINARY.SIZE[] %d)\r\n" % (
        len(MIXED),
        MIXED,
        len(MIXED),
    )


def test_literal8_append_stores_the_binary_part_as_base64(wire: Wire) -> None:
    body = wire.command(b"f FETCH 2 (BODY.PEEK[1])")[0]
    assert b"\x00" not in body and base64.b64encode(PAYLOAD) in body
    mime = wire.command(b"f FETCH 2 (BODY.PEEK[1.MIME])")[0]
    assert b"Content-Transfer-Encoding: base64\r\n" in mime and b": binary" not in mime
    answer = wire.command(b"f FETCH 2 (BINARY.PEEK[1])")
    assert answer[0] == b"* 2 FETCH (BINARY[1] ~{%d}\r\n%s)\r\n" % (len(PAYLOAD), PAYLOAD)


def test_unknown_encoding_fails_with_unknown_cte(wire: Wire) -> None:
    assert wire.command(b"f FETCH 1 (BINARY.PEEK[3])") == [
        b"f NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding.\r\n"
    ]
    assert wire.command(b"g FETCH 1 (BINARY.SIZE[3])")[-1].startswith(b"g NO [UNKNOWN-CTE]")
    assert wire.command(b"h NOOP")[-1] == b"h OK NOOP completed.\r\n"


def test_binary_sets_seen_but_peek_and_size_do_not(wire: Wire) -> None:
    assert wire.command(b"u STORE 1 -FLAGS (\\Seen)")[-1].startswith(b"u OK")
    wire.command(b"f FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])")
    assert wire.command(b"f FETCH 1 (FLAGS)")[0] == b"* 1 FETCH (FLAGS ())\r\n"
    answer = wire.command(b"f FETCH 1 (BINARY[2])")
    assert answer[0].startswith(b"* 1 FETCH (FLAGS (\\Seen) BINARY[2] {")


@pytest.mark.parametrize(
    "items",
    [
        b"BINARY[1.MIME]",
        b"BINARY[HEADER]",
        b"BINARY[0]",
        b"BINARY.SIZE[1]<0.5>",
        b"BINARY.PEEK[1]<0.0>",
        b"BINARY[1",
        b"BINARY.SIZE",
    ],
)
def test_malformed_binary_items_get_bad(wire: Wire, items: bytes) -> None:
    answer = wire.command(b"x FETCH 1 (" + items + b")")
    assert len(answer) == 1 and answer[0].startswith(b"x BAD Error in IMAP command FETCH: ")
    assert wire.command(b"z NOOP")[-1] == b"z OK NOOP completed.\r\n"


def test_imaplib_reads_binary_answers(server: HatoProcess, mailbox: str) -> None:
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login(USER, PASSWORD)
    imap.select(mailbox, readonly=True)
    typ, data = imap.fetch("2", "(BINARY.PEEK[1])")
    assert typ == "OK"
    assert data[0][1] == PAYLOAD  # type: ignore[index]
    imap.logout()
