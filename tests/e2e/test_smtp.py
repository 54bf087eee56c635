"""SMTP in (MX): smtplib and raw sockets against a real ``hato serve``."""

from __future__ import annotations

import random
import smtplib
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess, inbox_messages, read_store

MESSAGE = (
    b"From: Carol <carol@remote.example>\r\n"
    b"To: Alice <alice@example.org>\r\n"
    b"Subject: hello\r\n"
    b"\r\n"
    b"first line\r\n"
    b".leading dot\r\n"
    b"\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\r\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("smtp") / "data"
    process = HatoProcess(data, extra_config="[limits]\nmessage_size = 200000\n")
    process.add_user("alice", "alice-pw")
    process.add_user("bob", "bob-pw")
    process.start()
    yield process
    assert process.stop() == 0


def client(server: HatoProcess) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10)


def tls_client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def test_ehlo_advertises_the_extensions(server: HatoProcess) -> None:
    with client(server) as smtp:
        code, _ = smtp.ehlo("client.test")
        assert code == 250
        for extension in ("size", "8bitmime", "smtputf8", "pipelining", "starttls"):
            assert smtp.has_extn(extension), extension
        assert smtp.has_extn("enhancedstatuscodes")
        assert smtp.esmtp_features["size"] == "200000"
        assert not smtp.has_extn("auth")


def test_delivery_keeps_the_message_and_adds_trace_headers(server: HatoProcess) -> None:
    with client(server) as smtp:
        smtp.sendmail("carol@remote.example", ["alice@example.org"], MESSAGE)
    stored = inbox_messages(server.data_dir, "alice")[-1]
    assert stored.endswith(MESSAGE)
    prefix = stored[: -len(MESSAGE)].decode()
    assert prefix.startswith(
        "Return-Path: <carol@remote.example>\r\nDelivered-To: alice@example.org\r\n"
    )
    assert "Received: from client" not in prefix or "by mail.test (hato) with ESMTP" in prefix
    assert "by mail.test (hato) with ESMTP id " in prefix
    assert "for <alice@example.org>;" in prefix


def test_a_bounce_has_an_empty_return_path(server: HatoProcess) -> None:
    """RFC 5321 §4.5.5: MAIL FROM:<> is the null reverse-path, kept as ``<>``."""
    with client(server) as smtp:
        smtp.sendmail("", ["bob@example.org"], MESSAGE)
    assert inbox_messages(server.data_dir, "bob")[-1].startswith(b"Return-Path: <>\r\n")


def test_unknown_user_is_refused_at_rcpt(server: HatoProcess) -> None:
    with client(server) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("carol@remote.example")
        code, text = smtp.rcpt("nobody@example.org")
        assert code == 550
        assert text.startswith(b"5.1.1")


def test_no_open_relay(server: HatoProcess) -> None:
    with client(server) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("carol@remote.example")
        code, text = smtp.rcpt("someone@elsewhere.example")
        assert code == 554
        assert b"5.7.1" in text and b"Relay access denied" in text


def test_one_body_for_many_recipients(server: HatoProcess) -> None:
    token = b"X-Token: shared-body\r\n"

    async def blob_count(store: object) -> int:
        return await store.blob_count()  # type: ignore[attr-defined,no-any-return]

    before = read_store(server.data_dir, blob_count)
    with client(server) as smtp:
        refused = smtp.sendmail(
            "carol@remote.example", ["alice@example.org", "bob@localhost"], token + MESSAGE
        )
    assert refused == {}
    assert inbox_messages(server.data_dir, "alice")[-1].endswith(token + MESSAGE)
    bob = inbox_messages(server.data_dir, "bob")[-1]
    assert bob.endswith(token + MESSAGE)
    assert b"Delivered-To: bob@localhost\r\n" in bob
    assert read_store(server.data_dir, blob_count) == before + 1  # type: ignore[operator]


def test_size_limit_declared_and_actual(server: HatoProcess) -> None:
    with client(server) as smtp:
        smtp.ehlo("client.test")
        code, text = smtp.mail("carol@remote.example", ["SIZE=300000"])
        assert code == 552
        smtp.rset()
        smtp.mail("carol@remote.example")
        smtp.rcpt("alice@example.org")
        big = MESSAGE + b"x" * 998 + b"\r\n"
        code, text = smtp.data(big * 250)
        assert (code, text[:5]) == (552, b"5.3.4")
        assert smtp.noop()[0] == 250


def test_starttls_then_delivery(server: HatoProcess) -> None:
    with client(server) as smtp:
        smtp.starttls(context=tls_client_context())
        smtp.ehlo("client.test")
        assert not smtp.has_extn("starttls")
        smtp.sendmail("carol@remote.example", ["alice@example.org"], b"Subject: tls\r\n\r\nx\r\n")
    stored = inbox_messages(server.data_dir, "alice")[-1]
    assert b"with ESMTPS id" in stored
    assert stored.endswith(b"Subject: tls\r\n\r\nx\r\n")


def test_second_starttls_is_refused(server: HatoProcess) -> None:
    with client(server) as smtp:
        smtp.starttls(context=tls_client_context())
        assert smtp.docmd("STARTTLS") == (503, b"5.5.1 Error: TLS already active")
        assert smtp.noop()[0] == 250


def _reply(sock: socket.socket | ssl.SSLSocket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n") or data.split(b"\r\n")[-2][3:4] == b"-":
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_starttls_discards_pipelined_plaintext(server: HatoProcess) -> None:
    raw = socket.create_connection(("127.0.0.1", server.ports["smtp"]), timeout=10)
    _reply(raw)
    raw.sendall(b"EHLO client.test\r\n")
    _reply(raw)
    raw.sendall(b"STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n")
    assert _reply(raw).startswith(b"220")
    tls = tls_client_context().wrap_socket(raw)
    tls.sendall(b"EHLO client.test\r\n")
    _reply(tls)
    tls.sendall(b"RCPT TO:<alice@example.org>\r\n")
    assert _reply(tls).startswith(b"503")
    tls.close()


def test_bad_commands_get_answers_and_the_session_goes_on(server: HatoProcess) -> None:
    raw = socket.create_connection(("127.0.0.1", server.ports["smtp"]), timeout=10)
    assert _reply(raw).startswith(b"220 mail.test")
    for line, code in [
        (b"FROB\r\n", b"500"),
        (b"EHLO\r\n", b"501"),
        (b"HELO client.test\r\n", b"250"),
        (b"MAIL FROM:<<>\r\n", b"553"),
        (b"RCPT TO:<alice@example.org>\r\n", b"503"),
        (b"DATA\r\n", b"503"),
        (b"NOOP " + b"x" * 70000 + b"\r\n", b"500"),
        (b"\xff\xfe\r\n", b"500"),
        (b"VRFY >\x80\r\n", b"502 5.5.1 Could not VRFY >?"),
        (b"NOOP\r\n", b"250 2.0.0"),
    ]:
        raw.sendall(line)
        assert _reply(raw).startswith(code), line[:20]
    raw.close()


def test_dropped_connection_mid_data_keeps_nothing(server: HatoProcess) -> None:
    before = len(inbox_messages(server.data_dir, "bob"))
    raw = socket.create_connection(("127.0.0.1", server.ports["smtp"]), timeout=10)
    _reply(raw)
    for line in (
        b"EHLO c\r\n",
        b"MAIL FROM:<c@remote.example>\r\n",
        b"RCPT TO:<bob@example.org>\r\n",
    ):
        raw.sendall(line)
        _reply(raw)
    raw.sendall(b"DATA\r\n")
    assert _reply(raw).startswith(b"354")
    raw.sendall(b"Subject: half\r\n\r\nhalf a message\r\n")
    raw.close()
    with client(server) as smtp:
        smtp.sendmail("c@remote.example", ["bob@example.org"], b"Subject: whole\r\n\r\nok\r\n")
    after = inbox_messages(server.data_dir, "bob")
    assert len(after) == before + 1
    assert after[-1].endswith(b"Subject: whole\r\n\r\nok\r\n")


def test_bare_line_feeds_become_crlf(server: HatoProcess) -> None:
    raw = socket.create_connection(("127.0.0.1", server.ports["smtp"]), timeout=10)
    _reply(raw)
    for line in (
        b"EHLO c\r\n",
        b"MAIL FROM:<c@remote.example>\r\n",
        b"RCPT TO:<bob@example.org>\r\n",
        b"DATA\r\n",
    ):
        raw.sendall(line)
        _reply(raw)
    raw.sendall(b"Subject: lf\nX-A: b\r\n\r\nbody\nmore\r\n.\r\n")
    assert _reply(raw).startswith(b"250 2.0.0")
    raw.close()
    assert inbox_messages(server.data_dir, "bob")[-1].endswith(
        b"Subject: lf\r\nX-A: b\r\n\r\nbody\r\nmore\r\n"
    )


def test_lmtp_answers_once_per_recipient(server: HatoProcess) -> None:
    raw = socket.create_connection(("127.0.0.1", server.ports["lmtp"]), timeout=10)
    assert _reply(raw).startswith(b"220")
    raw.sendall(b"EHLO c\r\n")
    assert _reply(raw).startswith(b"500")
    raw.sendall(b"LHLO c\r\n")
    assert b"ENHANCEDSTATUSCODES" in _reply(raw)
    raw.sendall(b"MAIL FROM:<postfix@relay.example>\r\n")
    assert _reply(raw).startswith(b"250")
    for rcpt, code in (
        (b"alice@example.org", b"250"),
        (b"nobody@example.org", b"550 5.1.1"),
        (b"bob@example.org", b"250"),
    ):
        raw.sendall(b"RCPT TO:<" + rcpt + b">\r\n")
        assert _reply(raw).startswith(code)
    raw.sendall(b"DATA\r\n")
    assert _reply(raw).startswith(b"354")
    raw.sendall(b"Subject: via lmtp\r\n\r\nhi\r\n.\r\n")
    replies = b""
    while replies.count(b"\r\n") < 2:
        replies += raw.recv(4096)
    lines = replies.decode().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("250 2.0.0 <alice@example.org>")
    assert lines[1].startswith("250 2.0.0 <bob@example.org>")
    raw.sendall(b"QUIT\r\n")
    raw.close()
    stored = inbox_messages(server.data_dir, "alice")[-1]
    assert b"with LMTP id" in stored and stored.endswith(b"Subject: via lmtp\r\n\r\nhi\r\n")


@pytest.mark.parametrize(("service", "hello"), [("smtp", b"EHLO c"), ("lmtp", b"LHLO c")])
def test_the_message_is_stored_as_sent_however_it_arrives(
    server: HatoProcess, service: str, hello: bytes
) -> None:
    """DATA's text, read in bulk (hato.server.smtp_data) and arriving in pieces: periods
    unstuffed (RFC 5321 §4.5.2), the end of data found across reads, the QUIT pipelined
    behind it answered, and the message stored octet for octet."""
    rng = random.Random(service)
    words = [b".", b"..", b".x", b" .", b"x.", b"a\rb.\r", b"\xc3\xa9\xff", b"y" * 10]
    lines = [b"Subject: pieces", b"", b".", b"..", b""]
    lines += [(rng.choice(words) * rng.randint(1, 120))[:998] for _ in range(600)]
    message = b"".join(line + b"\r\n" for line in lines)
    data = b"".join(b"." * line.startswith(b".") + line + b"\r\n" for line in lines)
    session = hello + b"\r\nMAIL FROM:<c@remote.example>\r\nRCPT TO:<bob@example.org>\r\n"
    session += b"DATA\r\n" + data + b".\r\nQUIT\r\n"
    raw = socket.create_connection(("127.0.0.1", server.ports[service]), timeout=10)
    at = 0
    while at < len(session):  # pieces of up to 2 KB, each read on its own
        step = rng.randint(1, 2000)
        raw.sendall(session[at : at + step])
        at += step
        time.sleep(0.001)
    replies = b""
    while chunk := raw.recv(4096):
        replies += chunk
    raw.close()
    assert [line[:4] for line in replies.split(b"\r\n")[-4:]] == [b"354 ", b"250 ", b"221 ", b""]
    stored = inbox_messages(server.data_dir, "bob")[-1]
    assert stored.endswith(message) and len(message) > 30_000
    assert stored.startswith(b"Return-Path: <c@remote.example>\r\n")
    assert b"Subject" not in stored[: -len(message)]


def test_connection_limit_per_address(tmp_path: Path) -> None:
    process = HatoProcess(tmp_path / "data", extra_config="[limits]\nconnections_per_address = 2\n")
    process.start()
    try:
        held = [socket.create_connection(("127.0.0.1", process.ports["smtp"])) for _ in range(2)]
        for sock in held:
            assert _reply(sock).startswith(b"220")
        extra = socket.create_connection(("127.0.0.1", process.ports["smtp"]), timeout=10)
        assert _reply(extra).startswith(b"421 4.7.0")
        extra.close()
        for sock in held:
            sock.close()
    finally:
        assert process.stop() == 0
