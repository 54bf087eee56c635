"""AUTHORIZATION state: USER/PASS, APOP, AUTH (PLAIN, LOGIN, SCRAM-SHA-256), STLS, trace."""

from __future__ import annotations

import base64
import hashlib

import pytest

from hato.proto.pop3 import (
    CheckApop,
    CheckPassword,
    Pop3Connection,
    Reply,
    SaslResult,
    StartTls,
    make_apop_timestamp,
    redact,
    redact_reply,
)
from hato.proto.sasl import MAX_RESPONSE, derive_scram_keys

from .pop3_harness import FakeStore, Session

PLAINTEXT_NO = (
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n"
)
FAILED = "-ERR [AUTH] Authentication failed.\r\n"
TIMESTAMP = "<1896.697170952@dbc.mtview.ca.us>"  # RFC 1939 §7's example


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def capa(session: Session) -> list[str]:
    return session("CAPA").split("\r\n")


def test_capa_when_plaintext_is_allowed() -> None:
    session = Session(tls_available=True)
    assert capa(session) == [
        "+OK", "CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "STLS",
        "USER", "SASL PLAIN LOGIN SCRAM-SHA-256", "UTF8", "IMPLEMENTATION hato", ".", "",
    ]  # fmt: skip


def test_plaintext_disallowed() -> None:
    session = Session(plaintext_allowed=False, tls_available=True)
    assert "USER" not in capa(session)
    assert "SASL SCRAM-SHA-256" in capa(session)
    assert session("USER is_network") == PLAINTEXT_NO
    assert session("PASS 3is_network") == PLAINTEXT_NO
    assert session("AUTH PLAIN " + b64("\0is_network\x003is_network")) == PLAINTEXT_NO
    assert session("AUTH LOGIN") == PLAINTEXT_NO
    assert session("AUTH") == "+OK\r\nSCRAM-SHA-256\r\n.\r\n"
    assert session.store.logins == []


def test_plaintext_allowed_once_tls_is_on() -> None:
    session = Session(plaintext_allowed=False, tls_active=True, tls_available=True)
    assert "STLS" not in capa(session)
    assert "USER" in capa(session)
    session.login()


def test_user_pass_failure_then_success() -> None:
    session = Session()
    assert session("USER is_network") == "+OK\r\n"
    assert session("PASS wrong") == FAILED
    assert session("PASS 3is_network") == "-ERR No username given.\r\n"
    session.login()
    assert session.store.logins[0] == CheckPassword("is_network", "wrong")


def test_pass_keeps_spaces() -> None:
    session = Session(FakeStore(passwords={"u": " pass word "}))
    session("USER u")
    assert session("PASS  pass word ") == "+OK Logged in.\r\n"


def test_quit_before_login() -> None:
    session = Session()
    assert session("QUIT") == "+OK Logging out\r\n"
    assert session.closed


def test_commands_before_login_are_unknown() -> None:
    session = Session()
    assert session("STAT") == "-ERR Unknown command.\r\n"
    assert session("NOOP") == "-ERR Unknown command.\r\n"
    assert (
        session("LIST") == "-ERR Unknown command.\r\n" + "-ERR Too many invalid bad commands.\r\n"
    )
    assert session.closed


def test_successful_command_resets_the_bad_count_before_login() -> None:
    session = Session()
    for _ in range(5):
        assert session("STAT") == "-ERR Unknown command.\r\n"
        assert session("CAPA").startswith("+OK")
    assert not session.closed


def test_utf8() -> None:
    session = Session(FakeStore(passwords={"tarō": "パス"}))
    assert session("UTF8") == "+OK UTF8 enabled\r\n"
    session("USER tarō")
    assert session("PASS パス") == "+OK Logged in.\r\n"


def test_apop() -> None:
    store = FakeStore(apop_secrets={"mrose": "tanstaaf"})
    session = Session(store, apop_timestamp=TIMESTAMP, plaintext_allowed=False)
    assert session.greeting == f"+OK hato ready. {TIMESTAMP}\r\n"
    assert session("APOP mrose c4c9334bac560ecc979e58001b3e22fb") == "+OK Logged in.\r\n"
    assert store.logins == [CheckApop("mrose", TIMESTAMP, "c4c9334bac560ecc979e58001b3e22fb")]


@pytest.mark.parametrize(
    ("args", "reply"),
    [
        ("mrose 00000000000000000000000000000000", FAILED),
        ("mrose", "-ERR Invalid parameters.\r\n"),
        ("mrose c4c9", "-ERR Invalid parameters.\r\n"),
        ("mrose " + "g" * 32, "-ERR Invalid characters in MD5 response.\r\n"),
        ("nobody C4C9334BAC560ECC979E58001B3E22FA", FAILED),
    ],
)
def test_apop_errors(args: str, reply: str) -> None:
    session = Session(FakeStore(apop_secrets={"mrose": "tanstaaf"}), apop_timestamp=TIMESTAMP)
    assert session("APOP " + args) == reply


def test_apop_not_enabled() -> None:
    session = Session()
    assert session.greeting == "+OK hato ready.\r\n"
    assert session("APOP mrose c4c9334bac560ecc979e58001b3e22fb") == "-ERR APOP not enabled.\r\n"


def test_make_apop_timestamp() -> None:
    stamp = make_apop_timestamp("mail.example.org")
    assert stamp.startswith("<") and stamp.endswith("@mail.example.org>")
    assert stamp != make_apop_timestamp("mail.example.org")
    digest = hashlib.md5((stamp + "s").encode()).hexdigest()
    assert len(digest) == 32


def test_auth_plain_with_initial_response() -> None:
    session = Session()
    assert session("AUTH PLAIN " + b64("\0is_network\x003is_network")) == "+OK Logged in.\r\n"


def test_auth_plain_with_continuation() -> None:
    session = Session()
    assert session("auth plain") == "+ \r\n"
    assert session(b64("is_network\0is_network\x003is_network")) == "+OK Logged in.\r\n"


@pytest.mark.parametrize(
    "message", ["\0is_network\0wrong", "other\0is_network\x003is_network", "garbage", "\0\0"]
)
def test_auth_plain_failures(message: str) -> None:
    session = Session()
    assert session("AUTH PLAIN " + b64(message)) == FAILED
    session.login()


def test_auth_plain_response_at_the_limit_and_past_it() -> None:
    """A response longer than MAX_RESPONSE octets fails without its password being read."""
    fill = "p" * (MAX_RESPONSE - len("\0is_network\0"))
    session = Session()
    assert session("AUTH PLAIN " + b64("\0is_network\0" + fill)) == FAILED
    assert session.store.logins == [CheckPassword("is_network", fill, "PLAIN")]
    assert session("AUTH PLAIN " + b64("\0is_network\0" + fill + "p")) == FAILED
    assert not isinstance(session.store.logins[-1], CheckPassword)
    session.login()


def test_auth_login() -> None:
    session = Session()
    assert session("AUTH LOGIN") == f"+ {b64('Username:')}\r\n"
    assert session(b64("is_network")) == f"+ {b64('Password:')}\r\n"
    assert session(b64("3is_network")) == "+OK Logged in.\r\n"


def test_auth_login_with_initial_response() -> None:
    session = Session()
    assert session("AUTH LOGIN " + b64("is_network")) == f"+ {b64('Password:')}\r\n"
    assert session(b64("wrong")) == FAILED


@pytest.mark.parametrize(
    ("lines", "reply"),
    [
        (["AUTH CRAM-MD5"], "-ERR [AUTH] Unsupported authentication mechanism.\r\n"),
        (["AUTH PLAIN !!!"], "-ERR [AUTH] Invalid base64 data in initial response.\r\n"),
        (["AUTH PLAIN ü"], "-ERR [AUTH] Invalid base64 data in initial response.\r\n"),
        (["AUTH PLAIN", "*"], "-ERR Authentication aborted by client.\r\n"),
        (["AUTH LOGIN", "!!"], "-ERR [AUTH] Invalid base64 data in continued response.\r\n"),
        (["AUTH PLAIN", "x" * 9000], "-ERR Input line too long.\r\n"),
        (["AUTH PLAIN ="], FAILED),
    ],
)
def test_auth_errors_leave_authorization_usable(lines: list[str], reply: str) -> None:
    session = Session()
    for line in lines:
        out = session(line)
    assert out == reply
    session.login()


def test_an_initial_response_that_is_not_utf8_is_bad_base64() -> None:
    session = Session()
    reply = session.send(b"AUTH PLAIN \xff\xfe\r\n")
    assert reply == "-ERR [AUTH] Invalid base64 data in initial response.\r\n"
    session.login()


def test_auth_lists_mechanisms() -> None:
    assert Session()("AUTH") == "+OK\r\nPLAIN\r\nLOGIN\r\nSCRAM-SHA-256\r\n.\r\n"


# RFC 7677 §3: user "user", password "pencil".
CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
SERVER_FIRST = (
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
)
CLIENT_FINAL = (
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def scram_session() -> Session:
    keys = derive_scram_keys("pencil", base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096)
    store = FakeStore(scram={"user": keys})
    return Session(store, plaintext_allowed=False, scram_nonce=lambda: SERVER_NONCE)


def test_scram_sha_256_rfc_7677_exchange() -> None:
    session = scram_session()
    assert session("AUTH SCRAM-SHA-256 " + b64(CLIENT_FIRST)) == f"+ {b64(SERVER_FIRST)}\r\n"
    assert session(b64(CLIENT_FINAL)) == f"+ {b64(SERVER_FINAL)}\r\n"
    assert session("") == "+OK Logged in.\r\n"
    assert session.store.logins == [SaslResult("user", verified=True, method="SCRAM-SHA-256")]


def test_scram_without_initial_response() -> None:
    session = scram_session()
    assert session("AUTH SCRAM-SHA-256") == "+ \r\n"
    assert session(b64(CLIENT_FIRST)) == f"+ {b64(SERVER_FIRST)}\r\n"


def test_scram_wrong_proof() -> None:
    session = scram_session()
    session("AUTH SCRAM-SHA-256 " + b64(CLIENT_FIRST))
    assert session(b64(CLIENT_FINAL.replace("p=dHzb", "p=dHzc"))) == FAILED
    assert session.store.logins == [SaslResult("user", verified=False, method="SCRAM-SHA-256")]


def test_scram_unknown_user_runs_a_full_failing_exchange() -> None:
    session = scram_session()
    reply = session("AUTH SCRAM-SHA-256 " + b64("n,,n=nobody,r=abc"))
    assert base64.b64decode(reply[2:]).startswith(b"r=abc" + SERVER_NONCE.encode() + b",s=")
    assert session(b64("c=biws,r=abc" + SERVER_NONCE + ",p=" + b64(b"x" * 32))) == FAILED


def test_scram_client_must_acknowledge_server_final() -> None:
    session = scram_session()
    session("AUTH SCRAM-SHA-256 " + b64(CLIENT_FIRST))
    session(b64(CLIENT_FINAL))
    assert session("bm9pc2U=") == FAILED


def test_stls_discards_pipelined_commands() -> None:
    conn = Pop3Connection(tls_available=True, plaintext_allowed=False)
    conn.receive_data(b"STLS\r\nUSER evil\r\nPASS evil\r\n")
    assert conn.next_event() == Reply(b"+OK Begin TLS negotiation now.\r\n")
    assert conn.next_event() == StartTls()
    conn.receive_data(b"CAPA\r\n")  # still plaintext: must vanish too
    assert conn.tls_established() == b""
    conn.receive_data(b"CAPA\r\n")
    capa = conn.next_event()
    assert isinstance(capa, Reply)
    assert b"STLS" not in capa.data
    assert b"USER\r\n" in capa.data
    conn.receive_data(b"STLS\r\n")
    assert conn.next_event() == Reply(b"-ERR TLS is already active.\r\n")


def test_stls_resets_the_authorization_state() -> None:
    session = Session(tls_available=True)
    session("USER is_network")
    assert session("STLS") == "+OK Begin TLS negotiation now.\r\n"
    assert session("PASS 3is_network") == "-ERR No username given.\r\n"


def test_stls_unavailable() -> None:
    session = Session()
    assert "STLS" not in capa(session)
    assert session("STLS") == "-ERR TLS support isn't enabled.\r\n"


def test_trace_redacts_secrets() -> None:
    seen: list[str] = []
    session = Session(on_line=seen.append, apop_timestamp=TIMESTAMP)
    session("USER is_network")
    session("pass 3is_network")
    session("APOP mrose c4c9334bac560ecc979e58001b3e22fb")
    session("AUTH PLAIN " + b64("\0is_network\x003is_network"))
    session("QUIT")
    assert seen == [
        "USER is_network", "pass [REDACTED]", "APOP mrose [REDACTED]",
        "AUTH PLAIN [REDACTED]", "QUIT",
    ]  # fmt: skip
    assert "3is_network" not in "".join(seen)


def test_trace_redacts_sasl_continuations() -> None:
    seen: list[str] = []
    session = Session(on_line=seen.append)
    session("AUTH LOGIN")
    session(b64("is_network"))
    session("*")
    assert seen == ["AUTH LOGIN", "[REDACTED]", "*"]


def test_no_line_is_traced_once_tracing_stops() -> None:
    seen: list[str] = []
    session = Session(on_line=seen.append)
    session("USER is_network")
    session.conn.stop_tracing()
    session("NOOP")
    session("QUIT")
    assert seen == ["USER is_network"]


def test_redact_helpers() -> None:
    assert redact(b"PASS") == "PASS"
    assert redact(b"AUTH PLAIN") == "AUTH PLAIN"
    assert redact(b"NOOP\x00\x1b[2J") == "NOOP\\x00\\x1b[2J"
    assert redact_reply(b"+ cj1mb28=\r\n") == "+ [REDACTED]"
    assert redact_reply(b"+OK Logged in.\r\n") == "+OK Logged in."
