"""POP3 and POP3S (RFC 1939, 2449, 2595) against a real ``hato serve``, with poplib."""

from __future__ import annotations

import hashlib
import poplib
import smtplib
import socket
import ssl
from collections.abc import Iterator

import pytest

from hato.store import FlagMode
from tests.e2e.harness import HatoProcess, inbox_messages, read_store

SHORT = b"From: hato <hato@localhost>\r\nSubject: welcome\r\n\r\nwelcome\r\n"
DOTTED = b"From: R <r@ono.example>\r\nSubject: dots\r\n\r\nhello\r\n.dot line\r\n..two\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("pop3") / "data"
    process = HatoProcess(data, services=("smtp", "pop3", "pop3s"))
    process.add_user("alice", "alice-pw")
    process.add_user("carol", "carol-pw", "--apop")
    process.start()
    yield process
    assert process.stop() == 0


def deliver(server: HatoProcess, user: str, *messages: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"]) as smtp:
        for message in messages:
            smtp.sendmail("r@ono.example", [f"{user}@example.org"], message)


def login(server: HatoProcess, user: str = "alice") -> poplib.POP3:
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    pop.user(user)
    pop.pass_(f"{user}-pw")
    return pop


@pytest.fixture
def bob(server: HatoProcess, request: pytest.FixtureRequest) -> str:
    """A fresh account per test, holding SHORT and DOTTED."""
    name = f"u{abs(hash(request.node.name)) % 10**8}"
    server.add_user(name, f"{name}-pw")
    deliver(server, name, SHORT, DOTTED)
    return name


def test_greeting_has_apop_timestamp(server: HatoProcess) -> None:
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    greeting = pop.getwelcome().decode()
    assert greeting.startswith("+OK hato ready. <") and greeting.endswith("@mail.test>")
    pop.quit()


def test_capa(server: HatoProcess) -> None:
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    capa = pop.capa()
    for name in ("TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "STLS"):
        assert name in capa, name
    assert {"PLAIN", "LOGIN", "SCRAM-SHA-256"} <= set(capa["SASL"])
    pop.quit()


def test_stat_list_retr_are_exact(server: HatoProcess, bob: str) -> None:
    stored = inbox_messages(server.data_dir, bob)
    pop = login(server, bob)
    assert pop.stat() == (2, sum(len(m) for m in stored))
    _, listing, _ = pop.list()
    assert listing == [f"{n} {len(m)}".encode() for n, m in enumerate(stored, 1)]
    response, lines, _ = pop.retr(2)
    assert response == f"+OK {len(stored[1])} octets".encode()
    assert b"\r\n".join(lines) + b"\r\n" == stored[1]
    assert b".dot line" in lines and b"..two" in lines
    pop.quit()


def test_dot_stuffing_on_the_wire(server: HatoProcess, bob: str) -> None:
    with socket.create_connection(("127.0.0.1", server.ports["pop3"]), timeout=10) as raw:
        raw.sendall(f"USER {bob}\r\nPASS {bob}-pw\r\nRETR 2\r\nQUIT\r\n".encode())
        data = b""
        while not data.endswith(b"+OK Logging out.\r\n"):
            chunk = raw.recv(65536)
            assert chunk, data
            data += chunk
    assert b"\r\n..dot line\r\n...two\r\n.\r\n" in data


def test_top_and_uidl(server: HatoProcess, bob: str) -> None:
    pop = login(server, bob)
    _, lines, _ = pop.top(2, 0)
    assert lines[-1] == b"" and b"Subject: dots" in lines and b"hello" not in lines
    _, lines, _ = pop.top(2, 1)
    assert lines[-1] == b"hello"
    _, uidls, _ = pop.uidl()
    pop.quit()
    pop = login(server, bob)
    assert pop.uidl()[1] == uidls  # stable across sessions
    assert len({u.split()[1] for u in uidls}) == 2
    pop.quit()


def test_errors_keep_the_session(server: HatoProcess, bob: str) -> None:
    pop = login(server, bob)
    for command, reply in [
        ("LIST 99", b"-ERR There's no message 99."),
        ("FROB", b"-ERR Unknown command: FROB"),
        ("RETR abc", b"-ERR Invalid message number: abc"),
    ]:
        with pytest.raises(poplib.error_proto) as failure:
            pop._shortcmd(command)
        assert failure.value.args[0] == reply
    assert pop.noop() == b"+OK"
    pop.quit()


def test_dele_only_at_quit_and_rset(server: HatoProcess, bob: str) -> None:
    pop = login(server, bob)
    assert pop.dele(1) == b"+OK Marked to be deleted."
    with pytest.raises(poplib.error_proto, match="Message is deleted"):
        pop.retr(1)
    assert pop.stat()[0] == 1
    pop.rset()
    assert pop.stat()[0] == 2
    pop.dele(1)
    pop.sock.close()  # dropped connection: nothing is deleted
    pop.file.close()
    assert len(inbox_messages(server.data_dir, bob)) == 2
    pop = login(server, bob)
    pop.dele(1)
    assert pop.quit() == b"+OK Logging out, messages deleted."
    remaining = inbox_messages(server.data_dir, bob)
    assert len(remaining) == 1 and remaining[0].endswith(DOTTED)


def test_retr_marks_seen_and_flags_do_not_change_uidl(server: HatoProcess, bob: str) -> None:
    pop = login(server, bob)
    before = pop.uidl()[1]
    pop.retr(1)
    pop.quit()

    async def flags(store: object) -> list[frozenset[str]]:
        account = await store.get_account(bob)  # type: ignore[attr-defined]
        box = store.mailstore(account.id)  # type: ignore[attr-defined]
        inbox = await box.get_mailbox("INBOX")
        await box.store_flags(inbox.id, [2], ["\\Flagged"], FlagMode.ADD)
        return [m.flags for m in await box.messages(inbox.id)]

    assert read_store(server.data_dir, flags) == [{"\\Seen"}, {"\\Flagged"}]
    pop = login(server, bob)
    assert pop.uidl()[1] == before
    pop.quit()


def test_message_expunged_during_session(server: HatoProcess, bob: str) -> None:
    pop = login(server, bob)
    assert pop.stat()[0] == 2

    async def expunge_first(store: object) -> None:
        account = await store.get_account(bob)  # type: ignore[attr-defined]
        box = store.mailstore(account.id)  # type: ignore[attr-defined]
        inbox = await box.get_mailbox("INBOX")
        await box.expunge(inbox.id, [1])

    read_store(server.data_dir, expunge_first)
    with pytest.raises(poplib.error_proto, match="expunged"):
        pop.retr(1)
    assert pop.retr(2)[0].startswith(b"+OK")
    pop.dele(1)
    assert pop.quit().startswith(b"+OK Logging out")
    assert len(inbox_messages(server.data_dir, bob)) == 1


def test_wrong_password(server: HatoProcess) -> None:
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=30)
    pop.user("alice")
    with pytest.raises(poplib.error_proto) as failure:
        pop.pass_("wrong")
    assert failure.value.args[0] == b"-ERR [AUTH] Authentication failed."
    pop.user("alice")
    assert pop.pass_("alice-pw") == b"+OK Logged in."
    pop.quit()


def test_apop(server: HatoProcess) -> None:
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    assert pop.apop("carol", "carol-pw").startswith(b"+OK Logged in.")
    pop.quit()
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    with pytest.raises(poplib.error_proto):
        pop.apop("alice", "alice-pw")  # alice keeps no APOP secret
    pop.quit()


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def test_pop3s_and_stls(server: HatoProcess, bob: str) -> None:
    pop = poplib.POP3_SSL("127.0.0.1", server.ports["pop3s"], context=_tls(), timeout=10)
    assert "STLS" not in pop.capa()
    pop.user(bob)
    pop.pass_(f"{bob}-pw")
    assert pop.stat()[0] == 2
    pop.quit()
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    pop.stls(context=_tls())
    assert "STLS" not in pop.capa()
    pop.user(bob)
    pop.pass_(f"{bob}-pw")
    assert pop.stat()[0] == 2
    pop.quit()


def test_auth_plain(server: HatoProcess) -> None:
    import base64

    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    token = base64.b64encode(b"\0alice\0alice-pw").decode()
    assert pop._shortcmd(f"AUTH PLAIN {token}") == b"+OK Logged in."
    pop.quit()


def test_scram_sha_256(server: HatoProcess) -> None:
    """RFC 5802 client side, computed by hand: the server proves it knows the keys too."""
    import base64
    import hmac

    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    nonce = "rOprNGfwEbeRWgbNEkqO"
    first_bare = f"n=alice,r={nonce}"
    reply = pop._shortcmd(
        "AUTH SCRAM-SHA-256 " + base64.b64encode(f"n,,{first_bare}".encode()).decode()
    )
    server_first = base64.b64decode(reply[2:]).decode()
    fields = dict(item.split("=", 1) for item in server_first.split(","))
    salted = hashlib.pbkdf2_hmac(
        "sha256", b"alice-pw", base64.b64decode(fields["s"]), int(fields["i"])
    )
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    without_proof = f"c=biws,r={fields['r']}"
    auth_message = f"{first_bare},{server_first},{without_proof}".encode()
    signature = hmac.digest(hashlib.sha256(client_key).digest(), auth_message, "sha256")
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    final = f"{without_proof},p={base64.b64encode(proof).decode()}"
    reply = pop._shortcmd(base64.b64encode(final.encode()).decode())
    server_final = base64.b64decode(reply[2:]).decode()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    expected = base64.b64encode(hmac.digest(server_key, auth_message, "sha256")).decode()
    assert server_final == f"v={expected}"
    assert pop._shortcmd("") == b"+OK Logged in."
    pop.quit()


def _external_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_plaintext_refused_off_loopback_without_tls(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    address = _external_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    process = HatoProcess(
        tmp_path_factory.mktemp("p") / "data", services=("pop3",), args=("--host", "0.0.0.0")
    )
    process.add_user("alice", "alice-pw")
    process.start()
    try:
        pop = poplib.POP3(address, process.ports["pop3"], timeout=10)
        assert "USER" not in pop.capa()
        with pytest.raises(poplib.error_proto, match="Plaintext authentication disallowed"):
            pop.user("alice")
        pop.stls(context=_tls())
        pop.user("alice")
        assert pop.pass_("alice-pw") == b"+OK Logged in."
        pop.quit()
    finally:
        process.stop()


def test_stls_discards_pipelined_commands(server: HatoProcess) -> None:
    raw = socket.create_connection(("127.0.0.1", server.ports["pop3"]), timeout=10)
    reader = raw.makefile("rb")
    assert reader.readline().startswith(b"+OK hato ready.")
    raw.sendall(b"STLS\r\nUSER alice\r\n")
    assert reader.readline() == b"+OK Begin TLS negotiation now.\r\n"
    tls = _tls().wrap_socket(raw)
    tls_reader = tls.makefile("rb")
    tls.sendall(b"PASS alice-pw\r\n")
    assert tls_reader.readline().startswith(b"-ERR")  # USER was never seen
    tls.sendall(b"QUIT\r\n")
    assert tls_reader.readline().startswith(b"+OK")
    for stream in (tls_reader, reader, tls):
        stream.close()


def test_idle_sessions_are_closed(tmp_path_factory: pytest.TempPathFactory) -> None:
    data = tmp_path_factory.mktemp("idle") / "data"
    process = HatoProcess(
        data, services=("smtp", "pop3"), extra_config="[limits]\nidle_timeout = 1\n"
    )
    process.start()
    try:
        for service, greeting in (("pop3", b"+OK"), ("smtp", b"220")):
            with socket.create_connection(("127.0.0.1", process.ports[service]), timeout=10) as raw:
                assert raw.recv(1024).startswith(greeting)
                raw.settimeout(10)
                rest = b""
                while chunk := raw.recv(1024):  # the server ends the silent session
                    rest += chunk
                assert len(rest) < 200, rest
    finally:
        assert process.stop() == 0


def test_retr_then_dropped_connection_still_flags_seen(server: HatoProcess, bob: str) -> None:
    import time

    pop = login(server, bob)
    pop.retr(2)
    pop.sock.close()
    pop.file.close()

    async def flags(store: object) -> list[frozenset[str]]:
        account = await store.get_account(bob)  # type: ignore[attr-defined]
        box = store.mailstore(account.id)  # type: ignore[attr-defined]
        inbox = await box.get_mailbox("INBOX")
        return [m.flags for m in await box.messages(inbox.id)]

    deadline = time.monotonic() + 5
    while read_store(server.data_dir, flags) != [frozenset(), {"\\Seen"}]:
        assert time.monotonic() < deadline, read_store(server.data_dir, flags)
        time.sleep(0.05)
