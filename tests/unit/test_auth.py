from __future__ import annotations

import hashlib

import pytest

from hato.auth.passwords import make_credentials, scram_keys, verify_apop, verify_password
from hato.auth.policy import is_loopback, plaintext_allowed
from hato.auth.throttle import LoginThrottle


def test_argon2id_hash_and_verify() -> None:
    credentials = make_credentials("s3cret")
    assert credentials.password_hash.startswith("$argon2id$")
    assert verify_password(credentials, "s3cret")
    assert not verify_password(credentials, "S3cret")
    assert credentials.apop_secret is None


def test_scram_keys_match_rfc7677_example() -> None:
    """RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, i=4096."""
    import base64

    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    keys = scram_keys("pencil", salt, 4096)
    salted = hashlib.pbkdf2_hmac("sha256", b"pencil", salt, 4096)
    assert keys.server_key == __import__("hmac").digest(salted, b"Server Key", "sha256")
    assert keys.iterations == 4096 and keys.salt == salt
    assert len(keys.stored_key) == 32


def test_apop_digest() -> None:
    """RFC 1939 §7's example: secret tanstaaf, timestamp <1896.697170952@dbc.mtview.ca.us>."""
    credentials = make_credentials("tanstaaf", apop=True)
    timestamp = "<1896.697170952@dbc.mtview.ca.us>"
    assert verify_apop(credentials, timestamp, "c4c9334bac560ecc979e58001b3e22fb")
    assert verify_apop(credentials, timestamp, "C4C9334BAC560ECC979E58001B3E22FB")
    assert not verify_apop(credentials, timestamp, "0" * 32)
    assert not verify_apop(
        make_credentials("tanstaaf"), timestamp, "c4c9334bac560ecc979e58001b3e22fb"
    )


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
     ("192.0.2.2", False), ("::ffff:192.0.2.2", False), ("garbage", False), ("", False)],
)  # fmt: skip
def test_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_plaintext_policy() -> None:
    assert plaintext_allowed(secure=True, peer="192.0.2.2", classroom=False)
    assert plaintext_allowed(secure=False, peer="127.0.0.1", classroom=False)
    assert plaintext_allowed(secure=False, peer="192.0.2.2", classroom=True)
    assert not plaintext_allowed(secure=False, peer="192.0.2.2", classroom=False)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_grows_per_address_and_account() -> None:
    clock = Clock()
    throttle = LoginThrottle(base=0.5, maximum=4.0, window=60, clock=clock)
    assert throttle.delay("10.0.0.1", "alice") == 0
    for expected in (0.5, 1.0, 2.0, 4.0, 4.0):
        throttle.failed("10.0.0.1", "alice")
        assert throttle.delay("10.0.0.1", "alice") == expected
    # the account is throttled from another address too, the address for another account
    assert throttle.delay("10.0.0.2", "ALICE") == 4.0
    assert throttle.delay("10.0.0.1", "bob") == 4.0
    assert throttle.delay("10.0.0.2", "bob") == 0
    throttle.succeeded("10.0.0.1", "alice")
    assert throttle.delay("10.0.0.1", "alice") == 0


def test_throttle_forgets_after_window_and_is_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(window=60, capacity=10, clock=clock)
    throttle.failed("10.0.0.1", "alice")
    clock.now += 61
    assert throttle.delay("10.0.0.1", "alice") == 0
    for n in range(100):
        throttle.failed(f"10.0.1.{n}", None)
    assert len(throttle._failures) <= 10
