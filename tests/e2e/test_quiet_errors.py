"""Hostile or clumsy clients get a protocol answer, and the log gets no traceback.

Each test runs its own server, does what a client did to it, checks the answers, and
after the server has stopped reads everything it wrote to stdout and stderr.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_smtp import tls_client_context


@contextlib.contextmanager
def quiet_server(tmp_path: Path, *services: str) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path / "data", services=services)
    process.add_user("alice", "alice-pw")
    process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0
    log = "\n".join(process.output)
    assert "Traceback" not in log and "Error: (" not in log, log


class Client:
    """A line-at-a-time client that can send any bytes, TLS or not."""

    def __init__(self, port: int, implicit_tls: bool = False) -> None:
        self.sock: socket.socket | ssl.SSLSocket = socket.create_connection(
            ("127.0.0.1", port), timeout=10
        )
        if implicit_tls:
            self.sock = tls_client_context().wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")

    def line(self) -> bytes:
        return self.file.readline().rstrip(b"\r\n")

    def smtp_reply(self) -> bytes:
        """The last line of one (possibly multi-line) SMTP reply."""
        while (line := self.line())[3:4] == b"-":
            pass
        return line

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def smtp(self, command: bytes) -> bytes:
        self.send(command + b"\r\n")
        return self.smtp_reply()

    def close(self) -> None:
        self.file.close()
        self.sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def round_trip(server: HatoProcess) -> None:
    """A whole SMTP exchange on a fresh connection: the server has handled what came before."""
    with Client(server.ports["smtp"]) as client:
        assert client.smtp_reply().startswith(b"220 ")
        assert client.smtp(b"QUIT").startswith(b"221 ")


def test_smtp_addresses_that_python_could_not_parse(tmp_path: Path) -> None:
    with quiet_server(tmp_path, "smtp", "lmtp") as server:
        for service, hello in (("smtp", b"EHLO client.test"), ("lmtp", b"LHLO client.test")):
            with Client(server.ports[service]) as client:
                client.smtp_reply()
                assert client.smtp(hello).startswith(b"250 ")
                assert client.smtp(b"MAIL FROM:<\xff\xfe@example.org>") == (
                    b"553 5.1.7 Bad sender address syntax"
                )
                assert client.smtp(b"MAIL FROM:<>").startswith(b"250 ")
                for address in (b"\xff\xfe@example.org", b"alice@exa\xffmple.org",
                                b"a@[999.1.1.1]", b"a@[IPv6:zzz]"):  # fmt: skip
                    reply = client.smtp(b"RCPT TO:<" + address + b">")
                    assert reply == b"501 5.1.3 Bad recipient address syntax", (address, reply)
                for address in (b"a@[", b"a@[1.2.3.4", b"a@[\\]"):
                    reply = client.smtp(b"RCPT TO:<" + address + b">")
                    assert reply.startswith(b"553 5.1.3 "), (address, reply)
                assert client.smtp(b"RCPT TO:<alice@example.org>").startswith(b"250 ")


@pytest.mark.parametrize("service", ["smtp", "submission"])
def test_a_failed_starttls_handshake(tmp_path: Path, service: str) -> None:
    with quiet_server(tmp_path, "smtp", "submission") as server:
        for hangs_up in (False, True):
            with Client(server.ports[service]) as client:
                client.smtp_reply()
                client.smtp(b"EHLO client.test")
                assert client.smtp(b"STARTTLS").startswith(b"220 ")
                if not hangs_up:
                    client.send(b"this is not a TLS client hello\r\n" * 4)
                    assert client.file.read() == b""  # the server gives up on the connection
        round_trip(server)
    failures = [line for line in server.output if " starttls " in line]
    assert len(failures) == 2 and all("result=failed" in line for line in failures), failures


def test_submission_auth_that_is_not_ascii(tmp_path: Path) -> None:
    with (
        quiet_server(tmp_path, "smtp", "submissions") as server,
        Client(server.ports["submissions"], implicit_tls=True) as client,
    ):
        client.smtp_reply()
        client.smtp(b"EHLO client.test")
        assert client.smtp("AUTH PLAIN ü".encode()) == b"501 5.5.2 Cannot decode base64"
        assert client.smtp(b"AUTH PLAIN \xff\xfe") == b"501 5.5.2 Cannot decode base64"
        plain = base64.b64encode(b"\0alice\0alice-pw")
        assert client.smtp(b"AUTH PLAIN " + plain).startswith(b"235 ")


def test_pop3_auth_plain_that_is_not_ascii(tmp_path: Path) -> None:
    with (
        quiet_server(tmp_path, "smtp", "pop3") as server,
        Client(server.ports["pop3"]) as client,
    ):
        assert client.line().startswith(b"+OK")
        for initial in ("ü".encode(), b"\xff\xfe"):
            client.send(b"AUTH PLAIN " + initial + b"\r\n")
            assert client.line() == b"-ERR [AUTH] Invalid base64 data in initial response."
        client.send(b"USER alice\r\nPASS alice-pw\r\n")
        assert client.line() == b"+OK"
        assert client.line() == b"+OK Logged in."


@pytest.mark.parametrize(
    "leave",
    [[b"a LOGIN alice alice-pw", b"b SELECT INBOX", b"c IDLE"], [b"a AUTHENTICATE PLAIN"],
     [b"a LOGIN alice alice-pw", b"c IDLE"]],
    ids=["idle", "authenticate", "idle-unselected"],
)  # fmt: skip
def test_imap_client_hangs_up_mid_command(tmp_path: Path, leave: list[bytes]) -> None:
    with quiet_server(tmp_path, "smtp", "imap") as server:
        with Client(server.ports["imap"]) as client:
            assert client.line().startswith(b"* OK")
            for command in leave:
                client.send(command + b"\r\n")
                while not (line := client.line()).startswith((command[:2], b"+ ")):
                    pass
            assert line.startswith(b"+ ")  # the server waits for the client, which leaves
        round_trip(server)
