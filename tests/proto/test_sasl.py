"""Protocol-neutral SASL exchanges: PLAIN, LOGIN and SCRAM-SHA-256 (RFC 7677 §3)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hato.proto.sasl import (
    MAX_RESPONSE,
    Challenge,
    KeysNeeded,
    LoginExchange,
    PasswordCheck,
    PlainExchange,
    Rejected,
    ScramExchange,
    ScramKeys,
    Verified,
    derive_scram_keys,
    saslprep,
)

SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
KEYS = derive_scram_keys("pencil", SALT, 4096)
SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
NONCE = "rOprNGfwEbeRWgbNEkqO" + SERVER_NONCE
PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="


def first(exchange: ScramExchange, message: bytes = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO") -> None:
    assert exchange.start(message) == KeysNeeded("user")
    assert isinstance(exchange.provide_keys(KEYS), Challenge)


def test_rfc_7677_example() -> None:
    exchange = ScramExchange(SERVER_NONCE)
    assert exchange.start(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO") == KeysNeeded("user")
    assert exchange.provide_keys(KEYS) == Challenge(
        f"r={NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".encode()
    )
    assert exchange.respond(f"c=biws,r={NONCE},p={PROOF}".encode()) == Verified(
        "user", b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    )


def test_keys_are_what_rfc_5802_derives() -> None:
    assert KEYS.iterations == 4096
    assert KEYS.salt == SALT
    assert len(KEYS.stored_key) == len(KEYS.server_key) == 32
    assert derive_scram_keys("pencil", SALT, 4096) == KEYS
    assert derive_scram_keys("pencil", SALT, 4097) != KEYS


@pytest.mark.parametrize(
    "message",
    [
        b"p=tls-unique,,n=user,r=abc",
        b"n,,m=ext,n=user,r=abc",
        b"n,,n=user",
        b"n,,n=user,x=abc",
        b"n,,n=us=er,r=abc",
        b"n,,n=,r=abc",
        b"n,a=other,n=user,r=abc",
        b"n,b=user,n=user,r=abc",
        b"garbage",
        b"\xff\xfe",
    ],
)
def test_scram_bad_client_first(message: bytes) -> None:
    assert isinstance(ScramExchange().start(message), Rejected)


def test_scram_saslname_escapes_and_authzid() -> None:
    exchange = ScramExchange()
    assert exchange.start(b"n,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=x") == KeysNeeded("a,b=c")


def test_scram_with_y_flag_binds_its_own_header() -> None:
    exchange = ScramExchange("s")
    first(exchange, b"y,,n=user,r=c")
    reply = exchange.respond(b"c=biws,r=cs,p=" + base64.b64encode(b"x" * 32))
    assert reply == Rejected("user", "channel binding or nonce mismatch")


@pytest.mark.parametrize(
    "final",
    [
        f"c=eSws,r={NONCE},p={PROOF}",
        f"c=biws,r={NONCE}x,p={PROOF}",
        f"c=biws,r={NONCE},p=!!!",
        f"c=biws,r={NONCE},p={base64.b64encode(b'short').decode()}",
        f"c=biws,r={NONCE},p={PROOF[:-2]}A=",
        f"c=biws,r={NONCE}",
        "",
    ],
)
def test_scram_bad_client_final(final: str) -> None:
    exchange = ScramExchange(SERVER_NONCE)
    first(exchange)
    assert isinstance(exchange.respond(final.encode()), Rejected)


def test_scram_unknown_user_fails_with_a_stable_fake_salt() -> None:
    replies = []
    for _ in range(2):
        exchange = ScramExchange("s")
        exchange.start(b"n,,n=ghost,r=c")
        replies.append(exchange.provide_keys(None))
        assert isinstance(exchange.respond(f"c=biws,r=cs,p={PROOF}".encode()), Rejected)
    assert replies[0] == replies[1]


def test_plain() -> None:
    assert PlainExchange().start(None) == Challenge(b"")
    assert PlainExchange().start(b"\0u\0p w") == PasswordCheck("u", "p w")
    assert PlainExchange().start(b"u\0u\0p") == PasswordCheck("u", "p")
    assert isinstance(PlainExchange().start(b"v\0u\0p"), Rejected)
    assert isinstance(PlainExchange().respond(b"u\0p"), Rejected)
    assert isinstance(PlainExchange().respond(b"\0\0p"), Rejected)


def test_login() -> None:
    exchange = LoginExchange()
    assert exchange.start(None) == Challenge(b"Username:")
    assert exchange.respond(b"u") == Challenge(b"Password:")
    assert exchange.respond(b"p") == PasswordCheck("u", "p")


@pytest.mark.parametrize(
    ("text", "prepared"),
    [
        ("user", "user"),
        ("I\u00adX", "IX"),  # RFC 4013 §3 examples
        ("\u00aa", "a"),
        ("\u2168", "IX"),
        ("a\u00a0b", "a b"),
    ],
)
def test_saslprep(text: str, prepared: str) -> None:
    assert saslprep(text) == prepared


@pytest.mark.parametrize("text", ["\u0007", "\u0627\u0031", "a\ufffeb"])
def test_saslprep_prohibits(text: str) -> None:
    with pytest.raises(ValueError):
        saslprep(text)


@given(st.lists(st.binary(max_size=200), max_size=4))
def test_exchanges_never_raise(messages: list[bytes]) -> None:
    for exchange in (PlainExchange(), LoginExchange(), ScramExchange()):
        step = exchange.start(messages[0] if messages else None)
        for message in messages[1:]:
            if isinstance(step, KeysNeeded) and isinstance(exchange, ScramExchange):
                step = exchange.provide_keys(KEYS)
            if isinstance(step, PasswordCheck | Verified | Rejected):
                break
            step = exchange.respond(message)


@given(st.binary(max_size=100))
def test_scram_proof_for_random_final_is_rejected(final: bytes) -> None:
    exchange = ScramExchange(SERVER_NONCE)
    first(exchange)
    assert isinstance(exchange.respond(final), Rejected)


def test_keys_dataclass_is_frozen() -> None:
    with pytest.raises(AttributeError):
        KEYS.salt = b""  # type: ignore[misc]
    assert isinstance(KEYS, ScramKeys)


def test_plain_response_at_the_limit_and_past_it() -> None:
    fill = MAX_RESPONSE - len(b"\0user\0")
    assert PlainExchange().respond(b"\0user\0" + b"p" * fill) == PasswordCheck("user", "p" * fill)
    too_long = PlainExchange().respond(b"\0user\0" + b"p" * (fill + 1))
    assert too_long == Rejected("", "response too long")


def test_login_responses_at_the_limit_and_past_it() -> None:
    exchange = LoginExchange()
    assert exchange.start(b"u" * MAX_RESPONSE) == Challenge(b"Password:")
    assert exchange.respond(b"p" * MAX_RESPONSE) == PasswordCheck(
        "u" * MAX_RESPONSE, "p" * MAX_RESPONSE
    )
    exchange = LoginExchange()
    assert exchange.start(b"user") == Challenge(b"Password:")
    assert exchange.respond(b"p" * (MAX_RESPONSE + 1)) == Rejected("user", "response too long")


def test_scram_responses_past_the_limit() -> None:
    nonce = b"r=" + b"n" * (MAX_RESPONSE - len(b"n,,n=user,r="))
    assert ScramExchange().start(b"n,,n=user," + nonce) == KeysNeeded("user")
    assert ScramExchange().start(b"n,,n=user," + nonce + b"n") == Rejected("", "response too long")
    exchange = ScramExchange(SERVER_NONCE)
    first(exchange)
    final = f"c=biws,r={NONCE},p={PROOF}".encode()
    assert exchange.respond(final + b"=" * MAX_RESPONSE) == Rejected("user", "response too long")
