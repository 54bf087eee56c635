"""Submission (RFC 6409) on 587 with STARTTLS and 465 with implicit TLS, end to end."""

from __future__ import annotations

import base64
import hashlib
import hmac
import shutil
import smtplib
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess, hato, inbox_messages
from tests.e2e.test_smtp import tls_client_context

MESSAGE = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: Bob <bob@example.org>\r\n"
    b"Cc: Carol <carol@example.org>\r\n"
    b"Bcc: Dave <dave@example.org>\r\n"
    b"Subject: minutes\r\n"
    b"\r\n"
    b"Bob-san,\r\n\r\nthe minutes.\r\n\r\nAlice\r\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("submission") / "data"
    process = HatoProcess(
        data,
        services=("smtp", "submission", "submissions"),
        extra_config="[limits]\nmessage_size = 100000\nlogin_delay_base = 0.05\n",
    )
    for name in ("alice", "bob", "carol", "dave"):
        process.add_user(name, f"{name}-pw")
    assert hato("alias", "add", "team", "bob", "carol", data_dir=data).returncode == 0
    process.start()
    yield process
    assert process.stop() == 0


def starttls(server: HatoProcess) -> smtplib.SMTP:
    smtp = smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=10)
    smtp.starttls(context=tls_client_context())
    return smtp


def implicit(server: HatoProcess) -> smtplib.SMTP_SSL:
    return smtplib.SMTP_SSL(
        "127.0.0.1", server.ports["submissions"], timeout=10, context=tls_client_context()
    )


def last(server: HatoProcess, user: str) -> bytes:
    return inbox_messages(server.data_dir, user)[-1]


def test_auth_is_offered_only_after_starttls(server: HatoProcess) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=10) as smtp:
        smtp.ehlo("client.test")
        assert smtp.has_extn("starttls") and not smtp.has_extn("auth")
        code, text = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0alice-pw").decode())
        assert (code, text[:5]) == (530, b"5.7.0")
        code, text = smtp.docmd("MAIL", "FROM:<alice@example.org>")
        assert (code, text[:5]) == (530, b"5.7.0")
        smtp.starttls(context=tls_client_context())
        smtp.ehlo("client.test")
        assert smtp.esmtp_features["auth"].split() == ["LOGIN", "PLAIN", "SCRAM-SHA-256"]


@pytest.mark.parametrize("port", ["submission", "submissions"])
def test_greeting_says_esmtp(server: HatoProcess, port: str) -> None:
    """RFC 5321 §4.2: an ESMTP server's greeting; LMTP is for the LMTP listener alone."""
    context = tls_client_context()
    smtp = smtplib.SMTP() if port == "submission" else smtplib.SMTP_SSL(context=context)
    smtp._host = "127.0.0.1"  # SMTP_SSL sends it as SNI; connect() alone does not set it
    code, greeting = smtp.connect("127.0.0.1", server.ports[port])
    smtp.close()
    assert code == 220 and greeting.endswith(b" hato ESMTP")


def test_mail_before_auth_is_refused(server: HatoProcess) -> None:
    with starttls(server) as smtp:
        smtp.ehlo("client.test")
        code, text = smtp.mail("alice@example.org")
        assert (code, text[:5]) == (530, b"5.7.0")


@pytest.mark.parametrize("port", ["submission", "submissions"])
def test_to_cc_bcc_on_both_ports(server: HatoProcess, port: str) -> None:
    smtp = starttls(server) if port == "submission" else implicit(server)
    with smtp:
        smtp.login("alice", "alice-pw")
        refused = smtp.sendmail(
            "alice@example.org",
            ["bob@example.org", "carol@example.org", "dave@example.org"],
            MESSAGE,
        )
        assert refused == {}
    for user in ("bob", "carol", "dave"):
        stored = last(server, user)
        assert b"Subject: minutes" in stored
        assert b"\r\nBcc:" not in stored and b"Dave" not in stored.split(b"\r\n\r\n")[0]
        assert b"\r\nDate: " in stored and b"\r\nMessage-ID: <" in stored
        assert b"with ESMTPSA id" in stored


def test_auth_login_and_wrong_password(server: HatoProcess) -> None:
    with implicit(server) as smtp:
        smtp.ehlo("client.test")
        smtp.user, smtp.password = "alice", "wrong"
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)
        assert (caught.value.smtp_code, caught.value.smtp_error[:5]) == (535, b"5.7.8")
    with implicit(server) as smtp:
        smtp.ehlo("client.test")
        smtp.user, smtp.password = "alice", "alice-pw"
        assert smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)[0] == 235


@pytest.mark.parametrize("line_end", [b"\r\n", b""])
def test_auth_response_over_the_line_limit(server: HatoProcess, line_end: bytes) -> None:
    """With its LF at once, or later (then the rest of the line is no command)."""
    with implicit(server) as smtp:
        smtp.ehlo("client.test")
        assert smtp.docmd("AUTH", "PLAIN")[0] == 334
        smtp.send(b"x" * 70_000 + line_end)
        if not line_end:
            time.sleep(0.5)  # the server reads the line's start before its end comes
            smtp.send(b"x" * 1000 + b"\r\n")
        assert smtp.getreply() == (500, b"5.5.6 Authentication Exchange line is too long")
        assert smtp.noop()[0] == 250
    assert not [line for line in server.new_output() if "Traceback" in line]


def _scram_client_proof(password: str, salt: bytes, iterations: int, message: bytes) -> bytes:
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    signature = hmac.new(hashlib.sha256(client_key).digest(), message, "sha256").digest()
    return bytes(a ^ b for a, b in zip(client_key, signature, strict=True))


def _scram_to_server_final(smtp: smtplib.SMTP) -> None:
    """Alice's SCRAM-SHA-256 exchange, up to the server-final message (RFC 5802 §5)."""
    smtp.ehlo("client.test")
    first_bare = "n=alice,r=clientnonce"
    code, text = smtp.docmd(
        "AUTH", "SCRAM-SHA-256 " + base64.b64encode(b"n,," + first_bare.encode()).decode()
    )
    assert code == 334
    server_first = base64.b64decode(text).decode()
    fields = dict(item.split("=", 1) for item in server_first.split(","))
    without_proof = f"c=biws,r={fields['r']}"
    message = f"{first_bare},{server_first},{without_proof}".encode()
    proof = _scram_client_proof(
        "alice-pw", base64.b64decode(fields["s"]), int(fields["i"]), message
    )
    final = f"{without_proof},p={base64.b64encode(proof).decode()}"
    code, text = smtp.docmd(base64.b64encode(final.encode()).decode())
    assert code == 334 and base64.b64decode(text).startswith(b"v=")


def test_auth_scram_sha_256(server: HatoProcess) -> None:
    with implicit(server) as smtp:
        _scram_to_server_final(smtp)
        assert smtp.docmd("")[0] == 235
        assert smtp.mail("alice@example.org")[0] == 250


def test_auth_cancelled_at_server_final_gets_one_reply(server: HatoProcess) -> None:
    """RFC 4954 §4: "*" cancels with 501, and only that: no 535 follows to be taken
    for the answer to the next command."""
    with implicit(server) as smtp:
        _scram_to_server_final(smtp)
        assert smtp.docmd("*") == (501, b"5.7.0 Auth aborted")
        assert smtp.noop() == (250, b"2.0.0 OK")
        assert smtp.mail("alice@example.org")[0] == 530


def test_forged_sender_is_refused(server: HatoProcess) -> None:
    with starttls(server) as smtp:
        smtp.login("alice", "alice-pw")
        code, text = smtp.mail("bob@example.org")
        assert (code, text[:5]) == (553, b"5.7.1")
        code, _ = smtp.mail("someone@remote.example")
        assert code == 553
        assert smtp.mail("alice+lists@example.org")[0] == 250


def test_recipient_errors_and_size_limit(server: HatoProcess) -> None:
    with starttls(server) as smtp:
        smtp.login("alice", "alice-pw")
        smtp.mail("alice@example.org")
        code, text = smtp.rcpt("nobody@example.org")
        assert (code, text[:5]) == (550, b"5.1.1")
        code, _ = smtp.rcpt("no-at-sign")
        assert code in (501, 553)
        smtp.rset()
        big = b"Subject: big\r\n\r\n" + b"x" * 200_000 + b"\r\n"
        with pytest.raises(smtplib.SMTPException) as caught:
            smtp.sendmail("alice@example.org", ["bob@example.org"], big)
        assert "552" in str(caught.value)


def test_alias_delivers_to_every_target(server: HatoProcess) -> None:
    with implicit(server) as smtp:
        smtp.login("alice", "alice-pw")
        smtp.sendmail(
            "alice@example.org", ["team@example.org"], b"Subject: to the team\r\n\r\nhi\r\n"
        )
    assert b"Subject: to the team" in last(server, "bob")
    assert b"Subject: to the team" in last(server, "carol")


def test_smtp_in_still_refuses_to_relay(server: HatoProcess) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("alice@example.org")
        code, text = smtp.rcpt("someone@remote.example")
        assert (code, text[:5]) == (554, b"5.7.1")


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
def test_swaks_submits_with_starttls_and_auth(server: HatoProcess) -> None:
    done = subprocess.run(
        [
            "swaks", "--server", f"127.0.0.1:{server.ports['submission']}", "--tls",
            "--auth", "PLAIN", "--auth-user", "bob", "--auth-password", "bob-pw",
            "--from", "bob@example.org", "--to", "carol@example.org",
            "--header", "Subject: from swaks", "--body", "sent by swaks",
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert b"Subject: from swaks" in last(server, "carol")


def test_smtp_in_expands_aliases_too(server: HatoProcess) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("x@remote.example", ["team@example.org"], b"Subject: via mx\r\n\r\nhi\r\n")
    assert b"Subject: via mx" in last(server, "bob")
    assert b"Subject: via mx" in last(server, "carol")
