"""ManageSieve (RFC 5804) against a real ``hato serve``: raw sessions over TCP and TLS,
PLAIN and SCRAM-SHA-256, every command, and a script put over ManageSieve run at delivery."""

from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess, inbox_messages
from tests.e2e.test_smtp import tls_client_context
from tests.e2e.test_submission import _scram_client_proof

_LITERAL = re.compile(rb"\{(\d+)\}\r\n\Z")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("managesieve") / "data"
    process = HatoProcess(
        data,
        services=("smtp", "managesieve"),
        extra_config="[sieve]\nmax_scripts = 3\nmax_script_size = 2000\n"
        "[limits]\nlogin_delay_base = 0.05\ncommands_per_connection = 40\n",
    )
    process.add_user("alice", "alice-pw")
    process.add_user("bob", "bob-pw")
    process.start()
    yield process
    assert process.stop() == 0


class Client:
    """A raw ManageSieve client: send a line, read up to the OK, NO or BYE."""

    def __init__(self, server: HatoProcess) -> None:
        self.sock: socket.socket | ssl.SSLSocket = socket.create_connection(
            ("127.0.0.1", server.ports["managesieve"]), timeout=10
        )
        self.file = self.sock.makefile("rb")
        self.greeting = self.response()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()
        self.sock.close()

    def response(self) -> list[bytes]:
        lines = []
        while True:
            line = self.file.readline()
            assert line, f"connection closed after {lines}"
            literal = _LITERAL.search(line)
            if literal:
                line += self.file.read(int(literal.group(1))) + self.file.readline()
            lines.append(line)
            if line.startswith((b"OK", b"NO", b"BYE")):
                return lines

    def command(self, line: bytes | str) -> list[bytes]:
        data = line.encode() if isinstance(line, str) else line
        self.sock.sendall(data + b"\r\n")
        return self.response()

    def last(self, line: bytes | str) -> bytes:
        return self.command(line)[-1]

    def login(self, user: str = "alice") -> None:
        token = base64.b64encode(f"\0{user}\0{user}-pw".encode()).decode()
        assert self.last(f'AUTHENTICATE "PLAIN" "{token}"').startswith(b"OK")

    def starttls(self) -> list[bytes]:
        assert self.last("STARTTLS").startswith(b"OK")
        self.file.close()
        self.sock = tls_client_context().wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")
        return self.response()


def test_greeting_capabilities_and_starttls(server: HatoProcess) -> None:
    with Client(server) as client:
        greeting = b"".join(client.greeting)
        assert b'"IMPLEMENTATION" "hato"' in greeting and b'"VERSION" "1.0"' in greeting
        assert b'"SASL" "PLAIN SCRAM-SHA-256"' in greeting and b'"STARTTLS"' in greeting
        assert b" fileinto " in greeting and b" vacation " in greeting
        after = b"".join(client.starttls())  # RFC 5804 §2.2: capabilities again, unasked
        assert b'"STARTTLS"' not in after and after.endswith(b"\r\n") and b"OK" in after
        client.login()
        assert client.last("LOGOUT").startswith(b"OK")


def test_scripts_through_every_command(server: HatoProcess) -> None:
    with Client(server) as client:
        assert client.last("LISTSCRIPTS").startswith(b'NO "Authenticate first.')
        client.login()
        assert client.last('PUTSCRIPT "one" {7+}\r\nkeep;\r\n').startswith(b"OK")
        assert client.last('PUTSCRIPT "two" "discard;"').startswith(b"OK")
        broken = client.last('PUTSCRIPT "bad" {12+}\r\nkeep;\nfoo;\r\n')
        assert broken.startswith(b"NO") and b"line 2, column 1" in broken
        assert client.last('CHECKSCRIPT "stop;"').startswith(b"OK")
        assert client.command("LISTSCRIPTS") == [
            b'"one"\r\n',
            b'"two"\r\n',
            b'OK "Listscripts completed."\r\n',
        ]
        assert client.last('SETACTIVE "two"').startswith(b"OK")
        assert client.command("LISTSCRIPTS")[1] == b'"two" ACTIVE\r\n'
        assert client.command('GETSCRIPT "one"')[0] == b"{7}\r\nkeep;\r\n\r\n"
        assert client.last('GETSCRIPT "nope"').startswith(b"NO (NONEXISTENT)")
        assert client.last('DELETESCRIPT "two"').startswith(b"NO (ACTIVE)")
        assert client.last('RENAMESCRIPT "one" "two"').startswith(b"NO (ALREADYEXISTS)")
        assert client.last('RENAMESCRIPT "one" "uno"').startswith(b"OK")
        assert client.last('HAVESPACE "new" 100').startswith(b"OK")
        assert client.last('HAVESPACE "new" 5000').startswith(b"NO (QUOTA/MAXSIZE)")
        assert client.last('PUTSCRIPT "three" "stop;"').startswith(b"OK")
        assert client.last('HAVESPACE "four" 10').startswith(b"NO (QUOTA/MAXSCRIPTS)")
        assert client.last('PUTSCRIPT "four" "stop;"').startswith(b"NO (QUOTA)")
        assert client.last('SETACTIVE ""').startswith(b"OK")
        assert client.last('DELETESCRIPT "two"').startswith(b"OK")
        assert client.last('NOOP "t1"') == b'OK (TAG "t1") "Done."\r\n'
        assert client.last("UNAUTHENTICATE").startswith(b"OK")
        assert client.last("LISTSCRIPTS").startswith(b"NO")
        client.login("bob")  # another account sees none of alice's scripts
        assert client.command("LISTSCRIPTS") == [b'OK "Listscripts completed."\r\n']


def test_hostile_input_gets_answers_and_the_session_goes_on(server: HatoProcess) -> None:
    with Client(server) as client:
        client.login()
        assert client.last("FROBNICATE").startswith(b"NO")
        assert client.last("PUTSCRIPT " + "a" * 20_000).startswith(b'NO "Line too long.')
        big = b'PUTSCRIPT "big" {100000+}\r\n' + b"#" * 100_000
        assert b"Literal too large" in client.last(big)
        assert client.last('PUTSCRIPT "x" "y" "z"').startswith(b"NO")
        assert client.last('AUTHENTICATE "PLAIN" "@@@"').startswith(b"NO")
        deep = "if true {" * 5000 + "}" * 5000
        assert client.last(f'CHECKSCRIPT "{deep[:1000]}"').startswith(b"NO")
        assert client.last("NOOP").startswith(b"OK")


def test_authentication_failures_and_cancel(server: HatoProcess) -> None:
    with Client(server) as client:
        wrong = base64.b64encode(b"\0alice\0wrong").decode()
        assert client.last(f'AUTHENTICATE "PLAIN" "{wrong}"').startswith(
            b'NO "Authentication failed.'
        )
        client.sock.sendall(b'AUTHENTICATE "PLAIN"\r\n')
        assert client.file.readline() == b'""\r\n'  # an empty challenge, then the client cancels
        assert client.last('"*"').startswith(b'NO "Authentication cancelled.')
        assert client.last('AUTHENTICATE "GSSAPI"').startswith(b"NO")


def test_scram_sha_256(server: HatoProcess) -> None:
    with Client(server) as client:
        first_bare = "n=alice,r=clientnonce"
        initial = base64.b64encode(b"n,," + first_bare.encode()).decode()
        client.sock.sendall(f'AUTHENTICATE "SCRAM-SHA-256" "{initial}"\r\n'.encode())
        server_first = base64.b64decode(client.file.readline().strip().strip(b'"')).decode()
        fields = dict(item.split("=", 1) for item in server_first.split(","))
        without_proof = f"c=biws,r={fields['r']}"
        message = f"{first_bare},{server_first},{without_proof}".encode()
        proof = _scram_client_proof(
            "alice-pw", base64.b64decode(fields["s"]), int(fields["i"]), message
        )
        final = base64.b64encode(f"{without_proof},p={base64.b64encode(proof).decode()}".encode())
        client.sock.sendall(b'"' + final + b'"\r\n')
        assert base64.b64decode(client.file.readline().strip().strip(b'"')).startswith(b"v=")
        assert client.last('""').startswith(b'OK "Authenticated."')
        assert b'"OWNER" "alice"' in b"".join(client.command("CAPABILITY"))


def test_a_script_put_over_managesieve_runs_at_delivery(server: HatoProcess) -> None:
    with Client(server) as client:
        client.login("bob")
        script = b'require "fileinto";\r\nfileinto "Trash";\r\n'
        assert client.last(b'PUTSCRIPT "main" {%d+}\r\n' % len(script) + script).startswith(b"OK")
        assert client.last('SETACTIVE "main"').startswith(b"OK")
        before = len(inbox_messages(server.data_dir, "bob"))
        with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
            smtp.sendmail("x@remote.example", ["bob@example.org"], b"Subject: filed\r\n\r\nhi\r\n")
        assert len(inbox_messages(server.data_dir, "bob")) == before
        assert client.last('SETACTIVE ""').startswith(b"OK")


def test_sievelib_client(server: HatoProcess) -> None:
    """A real client (sievelib, Python's ManageSieve library) on loopback without TLS."""
    from sievelib.managesieve import Client as SieveClient

    client = SieveClient("127.0.0.1", server.ports["managesieve"])
    with pytest.warns(UserWarning, match="unencrypted"):
        assert client.connect("bob", "bob-pw", authmech="PLAIN")
    try:
        assert client.get_implementation() == "hato"
        assert "fileinto" in client.get_sieve_capabilities()
        script = 'require "fileinto";\nif header :contains "subject" "x" { fileinto "Junk"; }\n'
        assert client.havespace("lib", len(script))
        assert client.putscript("lib", script)
        assert not client.putscript("broken", "frobnicate;\n")
        assert client.checkscript("keep;\n")
        assert client.setactive("lib")
        assert client.listscripts()[0] == "lib"
        # sievelib joins the lines it read with "\n", the last line ending dropped
        assert client.getscript("lib") == script.rstrip("\n")
        assert client.renamescript("lib", "lib2")
        assert client.setactive("")
        assert client.deletescript("lib2")
        assert client.listscripts()[0] is None
    finally:
        client.logout()


def test_commands_per_connection_are_bounded(server: HatoProcess) -> None:
    with Client(server) as client:
        client.sock.sendall(b"NOOP\r\n" * 45)
        answers = [client.response()[-1] for _ in range(41)]
    assert answers[:40] == [b'OK "Done."\r\n'] * 40
    assert answers[40] == b'BYE "Too many commands."\r\n'
