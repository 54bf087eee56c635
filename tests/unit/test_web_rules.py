"""The web console's rules that a loopback test cannot reach: HTTP Basic off loopback
without TLS, and the session cookie's signature and age."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hato.config import ConfigError, config_from_table
from hato.web.auth import basic_allowed
from hato.web.session import SESSION_SECONDS, Session, load_secret, open_session, seal


@pytest.mark.parametrize(
    ("secure", "peer", "allowed"),
    [
        (False, "127.0.0.1", True),
        (False, "::1", True),
        (False, "::ffff:127.0.0.1", True),
        (False, "192.0.2.7", False),
        (False, "2001:db8::7", False),
        (False, "", False),
        (True, "192.0.2.7", True),
    ],
)
def test_basic_only_over_tls_or_loopback(secure: bool, peer: str, allowed: bool) -> None:
    assert basic_allowed(secure=secure, peer=peer) is allowed


def test_session_round_trip_and_refusals() -> None:
    secret, other = b"s" * 32, b"o" * 32
    session = Session.new(7, "alice", "tag")
    value = seal(secret, session)
    assert open_session(secret, value) == session
    assert open_session(other, value) is None  # another server's secret
    payload, signature = value.split(".")
    assert open_session(secret, payload + "." + signature[::-1]) is None
    assert open_session(secret, "e30=" + "." + signature) is None  # another payload
    assert open_session(secret, value + "x" * 2000) is None
    assert open_session(secret, "ü" + value) is None
    later = time.time() + SESSION_SECONDS + 1
    assert open_session(secret, value, now=later) is None
    assert open_session(secret, value, now=session.issued - 60) is None


def test_secret_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "web" / "session.key"
    secret = load_secret(path)
    assert len(secret) == 32 and load_secret(path) == secret
    assert path.stat().st_mode & 0o777 == 0o600


def test_http_section_of_the_configuration() -> None:
    assert config_from_table({"http": {"tls": True}}).http.tls is True
    assert config_from_table({}).http.tls is False
    assert config_from_table({"ports": {"http": 8080}}).ports["http"] == 8080
    with pytest.raises(ConfigError, match=r"http\.tls: must be true or false"):
        config_from_table({"http": {"tls": "yes"}})
    with pytest.raises(ConfigError, match=r"http\.port: unknown key"):
        config_from_table({"http": {"port": 1}})
