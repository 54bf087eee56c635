"""Per-client limits count an IPv6 client as its /64, as they count an IPv4 address."""

from __future__ import annotations

import pytest

from hato.auth.clients import client_key
from hato.auth.throttle import LoginThrottle
from hato.server.gate import ConnectionGate


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::1", "::/64"),
        ("not an address", "not an address"),
    ],
)
def test_client_key(address: str, key: str) -> None:
    assert client_key(address) == key


def test_failures_from_one_slash_64_slow_all_of_it_and_nothing_else() -> None:
    throttle = LoginThrottle(base=1.0, maximum=60.0)
    for n in range(4):
        throttle.failed(f"2001:db8:0:7::{n + 1:x}", "alice")
    # Before, each of the 2**64 addresses had its own count: a new one waited 0 s.
    assert throttle.delay("2001:db8:0:7:ffff::1", None) == 8.0
    assert throttle.delay("2001:db8:0:8::1", None) == 0.0


def test_connections_from_one_slash_64_share_the_limit() -> None:
    gate = ConnectionGate(per_address=2)
    assert gate.enter("2001:db8::1") and gate.enter("2001:db8::2")
    assert not gate.enter("2001:db8::ffff:3")
    assert gate.enter("2001:db8:0:1::1")
    gate.leave("2001:db8::1")
    assert gate.count("2001:db8::9") == 1
    assert gate.enter("2001:db8::3")


def test_the_gate_says_when_a_connection_left() -> None:
    left: list[None] = []
    gate = ConnectionGate(per_address=2, left=lambda: left.append(None))
    assert gate.enter("192.0.2.1")
    assert not left
    gate.leave("192.0.2.1")
    assert len(left) == 1
