"""The SASL driver that IMAP, POP3 and submission share: client lines in, actions out."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hato.proto.sasl import (
    MAX_RESPONSE,
    Challenge,
    KeysNeeded,
    PasswordCheck,
    Rejected,
    ScramKeys,
    derive_scram_keys,
)
from hato.proto.sasl_driver import (
    MECHANISMS,
    Action,
    Cancelled,
    Malformed,
    SaslDriver,
    SaslMisuse,
    Succeeded,
)

# RFC 7677 §3: user "user", password "pencil".
KEYS = derive_scram_keys("pencil", base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096)
SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
CLIENT_FIRST = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
SERVER_FIRST = (
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
)
CLIENT_FINAL = (
    b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
SERVER_FINAL = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
LONG = b"p" * MAX_RESPONSE


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def run(
    mechanism: str, initial: bytes | str | None, lines: list[bytes], keys: ScramKeys | None = KEYS
) -> list[Action]:
    """Every action the driver takes, answering KeysNeeded with ``keys`` and each
    Challenge with the next line, until the exchange ends."""
    driver = SaslDriver(mechanism, SERVER_NONCE)
    actions = [driver.start(initial)]
    queue = iter(lines)
    while isinstance(actions[-1], Challenge | KeysNeeded):
        if isinstance(actions[-1], KeysNeeded):
            actions.append(driver.provide_keys(keys))
        else:
            actions.append(driver.receive(next(queue)))
    assert next(queue, None) is None, "lines left over"
    return actions


CASES = {
    "plain": ("PLAIN", None, [b64(b"\0u\0p w")], [Challenge(b""), PasswordCheck("u", "p w")]),
    "plain, initial response": ("PLAIN", b64(b"u\0u\0pw"), [], [PasswordCheck("u", "pw")]),
    "plain, initial response as text": ("PLAIN", b64(b"\0u\0pw").decode(), [], [
        PasswordCheck("u", "pw")
    ]),
    "plain, empty initial response": ("PLAIN", b"=", [], [
        Rejected("", "malformed PLAIN message")
    ]),
    "plain, another identity": ("PLAIN", b64(b"v\0u\0pw"), [], [
        Rejected("u", "authorization identity not permitted")
    ]),
    "login": ("LOGIN", None, [b64(b"u"), b64(b"pw")], [
        Challenge(b"Username:"), Challenge(b"Password:"), PasswordCheck("u", "pw")
    ]),
    "login, initial response": ("LOGIN", b64(b"u"), [b64(b"pw")], [
        Challenge(b"Password:"), PasswordCheck("u", "pw")
    ]),
    "login, lines with spaces around": ("LOGIN", None, [b" " + b64(b"u") + b"\t", b64(b"pw")], [
        Challenge(b"Username:"), Challenge(b"Password:"), PasswordCheck("u", "pw")
    ]),
    "scram-sha-256": ("SCRAM-SHA-256", None, [b64(CLIENT_FIRST), b64(CLIENT_FINAL), b""], [
        Challenge(b""), KeysNeeded("user"), Challenge(SERVER_FIRST), Challenge(SERVER_FINAL),
        Succeeded("user"),
    ]),
    "scram-sha-256, initial response, '=' acknowledges": (
        "SCRAM-SHA-256", b64(CLIENT_FIRST), [b64(CLIENT_FINAL), b"="], [
            KeysNeeded("user"), Challenge(SERVER_FIRST), Challenge(SERVER_FINAL),
            Succeeded("user"),
        ],
    ),
    "scram-sha-256, server-final answered with data": (
        "SCRAM-SHA-256", b64(CLIENT_FIRST), [b64(CLIENT_FINAL), b64(b"noise")], [
            KeysNeeded("user"), Challenge(SERVER_FIRST), Challenge(SERVER_FINAL),
            Rejected("user", "server-final not acknowledged with an empty response"),
        ],
    ),
    "scram-sha-256, wrong proof": (
        "SCRAM-SHA-256", b64(CLIENT_FIRST), [b64(CLIENT_FINAL.replace(b"p=dHzb", b"p=dHzc"))], [
            KeysNeeded("user"), Challenge(SERVER_FIRST), Rejected("user", "invalid proof"),
        ],
    ),
    "cancel at the first challenge": ("PLAIN", None, [b"*"], [Challenge(b""), Cancelled()]),
    "cancel with spaces around": ("LOGIN", None, [b" * "], [
        Challenge(b"Username:"), Cancelled()
    ]),
    "cancel after server-final": ("SCRAM-SHA-256", b64(CLIENT_FIRST), [b64(CLIENT_FINAL), b"*"], [
        KeysNeeded("user"), Challenge(SERVER_FIRST), Challenge(SERVER_FINAL), Cancelled()
    ]),
    "bad base64 in the initial response": ("PLAIN", b"!!!", [], [Malformed(initial=True)]),
    "initial response that is not ASCII": ("PLAIN", "AGEAYü==", [], [Malformed(initial=True)]),
    "initial response of bytes that are not UTF-8": ("PLAIN", b"\xff\xfe", [], [
        Malformed(initial=True)
    ]),
    "bad base64 in a continued response": ("LOGIN", None, [b64(b"u"), b"!!"], [
        Challenge(b"Username:"), Challenge(b"Password:"), Malformed(initial=False)
    ]),
    "bad base64 after server-final": (
        "SCRAM-SHA-256", b64(CLIENT_FIRST), [b64(CLIENT_FINAL), b"AB="], [
            KeysNeeded("user"), Challenge(SERVER_FIRST), Challenge(SERVER_FINAL),
            Malformed(initial=False),
        ],
    ),
    "plain response at the limit": ("PLAIN", b64(b"\0u\0" + LONG[3:]), [], [
        PasswordCheck("u", LONG[3:].decode())
    ]),
    "plain response past the limit": ("PLAIN", None, [b64(b"\0u\0" + LONG)], [
        Challenge(b""), Rejected("", "response too long")
    ]),
    "login password past the limit": ("LOGIN", b64(b"u"), [b64(LONG + b"p")], [
        Challenge(b"Password:"), Rejected("u", "response too long")
    ]),
    "scram final past the limit": ("SCRAM-SHA-256", b64(CLIENT_FIRST), [b64(LONG + b"p")], [
        KeysNeeded("user"), Challenge(SERVER_FIRST), Rejected("user", "response too long")
    ]),
}  # fmt: skip


@pytest.mark.parametrize(("mechanism", "initial", "lines", "expected"), CASES.values(), ids=CASES)
def test_exchange(
    mechanism: str, initial: bytes | str | None, lines: list[bytes], expected: list[Action]
) -> None:
    assert run(mechanism, initial, lines) == expected


def test_scram_unknown_user_runs_a_full_failing_exchange() -> None:
    final = b"c=biws,r=abc" + SERVER_NONCE.encode() + b",p=" + b64(b"x" * 32)
    actions = run("SCRAM-SHA-256", b64(b"n,,n=ghost,r=abc"), [b64(final)], keys=None)
    assert actions[0] == KeysNeeded("ghost")
    assert isinstance(actions[1], Challenge) and actions[1].data.startswith(b"r=abc")
    assert actions[2] == Rejected("ghost", "invalid proof")


def test_challenges_are_sent_as_base64() -> None:
    assert Challenge(b"Username:").encoded == b"VXNlcm5hbWU6"
    assert Challenge(b"").encoded == b""


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_the_driver_refuses_calls_out_of_turn(mechanism: str) -> None:
    driver = SaslDriver(mechanism)
    with pytest.raises(SaslMisuse):
        driver.receive(b"")
    assert driver.start(None) == Challenge(b"" if mechanism != "LOGIN" else b"Username:")
    with pytest.raises(SaslMisuse):
        driver.start(None)
    with pytest.raises(SaslMisuse):
        driver.provide_keys(KEYS)
    assert driver.receive(b"*") == Cancelled()
    with pytest.raises(SaslMisuse):
        driver.receive(b"")


def test_unknown_mechanism() -> None:
    with pytest.raises(ValueError, match="CRAM-MD5"):
        SaslDriver("CRAM-MD5")


@given(st.sampled_from(MECHANISMS), st.lists(st.binary(max_size=300), max_size=5))
def test_any_lines_end_in_an_action(mechanism: str, lines: list[bytes]) -> None:
    """Hostile lines never raise; the driver only ever asks for what it may ask."""
    driver = SaslDriver(mechanism)
    action = driver.start(None)
    for line in lines:
        if isinstance(action, KeysNeeded):
            action = driver.provide_keys(KEYS)
        if not isinstance(action, Challenge):
            break
        action = driver.receive(line)
    assert isinstance(
        action,
        Challenge | KeysNeeded | PasswordCheck | Succeeded | Rejected | Cancelled | Malformed,
    )
