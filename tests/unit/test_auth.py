from __future__ import annotations

import dataclasses
import hashlib
import logging
import statistics

import pytest

from hato.auth.passwords import make_credentials, scram_keys, verify_apop, verify_password
from hato.auth.policy import is_loopback, plaintext_allowed
from hato.auth.throttle import LoginThrottle, ThrottleCounters
from hato.store.base import Credentials


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


def test_throttle_keys_an_account_by_its_login_name() -> None:
    """The names " alice", "alice " and "\tALICE" are one account, so one budget."""
    throttle = LoginThrottle(base=0.5, maximum=60, attack_threshold=3, clock=Clock())
    for n, name in enumerate((" alice", "alice ", "\tALICE")):
        throttle.failed(f"10.0.0.{n}", name)
    assert throttle.counters.attacks_started == 1
    assert throttle.failed("10.0.0.9", "alice") == 2.0  # the account's 3 failures: 0.5 * 2**2


def test_throttle_slows_the_address_not_the_owner() -> None:
    clock = Clock()
    throttle = LoginThrottle(base=0.5, maximum=4.0, window=60, clock=clock)
    assert throttle.delay("10.0.0.1", "alice") == 0
    for expected in (0.5, 1.0, 2.0, 4.0, 4.0):
        throttle.failed("10.0.0.1", "alice")
        assert throttle.delay("10.0.0.1", "alice") == expected
    # the attacking address waits for any account; the owner's clean address does not
    assert throttle.delay("10.0.0.1", "bob") == 4.0
    assert throttle.delay("10.0.0.2", "ALICE") == 0
    # a failure against the attacked account from elsewhere still waits for the account
    assert throttle.failed("10.0.0.2", "alice") == 4.0
    assert throttle.failed("10.0.0.3", "bob") == 0


def test_thousands_of_failures_wait_the_maximum() -> None:
    """2**1024 is no float: the old throttle raised OverflowError after 1025 failures."""
    throttle = LoginThrottle(base=0.5, maximum=15.0, clock=Clock())
    for n in range(1100):
        throttle.failed(f"10.{n // 256}.{n % 256}.1", "alice")
    assert throttle.failed("10.9.9.9", "alice") == 15.0


def test_a_success_forgets_only_its_own_failures() -> None:
    throttle = LoginThrottle(base=0.5, maximum=60, clock=Clock())
    throttle.failed("10.0.0.1", "alice")
    throttle.failed("10.0.0.1", "alice")
    throttle.failed("10.0.0.1", "bob")
    assert throttle.delay("10.0.0.1", "carol") == 2.0
    throttle.succeeded("10.0.0.1", " Alice")
    assert throttle.delay("10.0.0.1", "alice") == 0.5  # bob's failure is still the address's
    assert throttle.delay("10.0.0.1", "bob") == 0.5
    throttle.succeeded("10.0.0.1", "bob")
    assert throttle.delay("10.0.0.1", "carol") == 0


def test_an_attack_is_logged_once_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    throttle = LoginThrottle(window=60, attack_threshold=5, clock=clock)
    for n in range(12):
        throttle.failed(f"10.0.{n % 3}.1", "alice")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["attack"]
    assert caplog.records[-1].hato_fields["account"] == "alice"  # type: ignore[attr-defined]
    assert caplog.records[-1].hato_fields["addresses"] == 3  # type: ignore[attr-defined]
    assert throttle.counters == ThrottleCounters(12, 1, 1, 0)
    clock.now += 61  # the attack is over; a new one is a new line
    assert throttle.counters.accounts_under_attack == 0
    for _ in range(5):
        throttle.failed("10.0.0.1", "alice")
    assert throttle.counters.attacks_started == 2


def test_attack_warnings_are_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    throttle = LoginThrottle(attack_threshold=1, clock=Clock())
    for n in range(30):
        throttle.failed("10.0.0.1", f"user{n}")
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 10
    assert throttle.counters.attack_warnings_suppressed == 20
    assert throttle.counters.accounts_under_attack == 30


def test_throttle_forgets_after_window_and_is_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(window=60, capacity=10, clock=clock)
    throttle.failed("10.0.0.1", "alice")
    clock.now += 61
    assert throttle.delay("10.0.0.1", "alice") == 0
    for n in range(100):
        throttle.failed(f"10.0.1.{n}", None)
    assert len(throttle._counts) <= 10


def test_a_failure_costs_one_hash_whether_the_account_exists_or_not() -> None:
    """An unknown account (None) or an unreadable hash is hashed against a dummy."""
    import time

    credentials = make_credentials("s3cret")
    broken = dataclasses.replace(credentials, password_hash="not a hash")
    verify_password(None, "warm-up")  # the dummy hash is made on the first use

    def median(credentials: Credentials | None) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            assert not verify_password(credentials, "wrong")
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    existing = median(credentials)
    assert median(None) >= 0.5 * existing  # the old code: about 1/100
    assert median(broken) >= 0.5 * existing
