"""Failed logins against a real server: the attacker is slowed, the owner is not, and a
failure takes as long whether the account exists or not.

Clients connect from different loopback addresses (127.0.0.2, ...), which Linux routes
to the server on 127.0.0.1, so the throttle sees several client addresses.
"""

from __future__ import annotations

import imaplib
import poplib
import socket
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess


class ImapFrom(imaplib.IMAP4):
    """imaplib, connecting from a chosen loopback address."""

    def __init__(self, port: int, source: str) -> None:
        self.source = source
        super().__init__("127.0.0.1", port, timeout=30)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout, (self.source, 0))


class PopFrom(poplib.POP3):
    """poplib, connecting from a chosen loopback address."""

    def __init__(self, port: int, source: str) -> None:
        self.source = source
        super().__init__("127.0.0.1", port, timeout=30)

    def _create_socket(self, timeout: float) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout, (self.source, 0))


def imap_login(server: HatoProcess, source: str, user: str, password: str) -> bool:
    client = ImapFrom(server.ports["imap"], source)
    try:
        client.login(user, password)
    except imaplib.IMAP4.error:
        return False
    finally:
        client.shutdown()
    return True


def pop_login(server: HatoProcess, source: str, user: str, password: str) -> bool:
    client = PopFrom(server.ports["pop3"], source)
    try:
        client.user(user)
        client.pass_(password)
    except poplib.error_proto:
        return False
    finally:
        client.close()
    return True


Login = Callable[[HatoProcess, str, str, str], bool]


def timed(login: Login, *args: str, server: HatoProcess) -> tuple[bool, float]:
    """Whether ``login(server, source, user, password)`` succeeded, and the seconds it took."""
    start = time.monotonic()
    ok = login(server, *args)
    return ok, time.monotonic() - start


def serve(tmp_path: Path, limits: str) -> HatoProcess:
    process = HatoProcess(
        tmp_path / "data", services=("imap", "pop3"), extra_config=f"[limits]\n{limits}\n"
    )
    process.add_user("alice", "alice-pw")
    return process.start()


@pytest.fixture
def slow_throttle(tmp_path: Path) -> Iterator[HatoProcess]:
    """A throttle whose waits are long enough to see: 1 s doubling."""
    process = serve(tmp_path, "login_delay_base = 1.0\nlogin_delay_max = 30.0")
    yield process
    assert process.stop() == 0


@pytest.fixture
def no_throttle(tmp_path: Path) -> Iterator[HatoProcess]:
    """A throttle whose waits are a millisecond, so only the password check takes time."""
    process = serve(tmp_path, "login_delay_base = 0.001\nlogin_delay_max = 0.001")
    yield process
    assert process.stop() == 0


def test_the_owner_is_answered_at_once_while_the_account_is_attacked(
    slow_throttle: HatoProcess,
) -> None:
    """Three guesses from three addresses; the old throttle then made the owner wait 4 s."""
    server = slow_throttle
    assert not imap_login(server, "127.0.0.2", "alice", "guess1")
    assert not pop_login(server, "127.0.0.3", "alice", "guess2")
    assert not imap_login(server, "127.0.0.4", "Alice", "guess3")
    ok, seconds = timed(pop_login, "127.0.0.1", "alice", "alice-pw", server=server)
    assert ok and seconds < 2.0
    ok, seconds = timed(imap_login, "127.0.0.5", "alice", "alice-pw", server=server)
    assert ok and seconds < 2.0
    # The attackers' addresses still wait before anything they send is checked.
    ok, seconds = timed(imap_login, "127.0.0.2", "alice", "alice-pw", server=server)
    assert ok and seconds >= 1.0


def test_a_failure_takes_as_long_for_an_unknown_account(no_throttle: HatoProcess) -> None:
    """The old code answered an unknown account about 100 times faster than a wrong password."""
    server = no_throttle
    assert imap_login(server, "127.0.0.1", "alice", "alice-pw")  # the hasher is warm
    assert not pop_login(server, "127.0.0.1", "nobody", "warm-up")  # the dummy hash is made
    logins: tuple[Login, ...] = (imap_login, pop_login)
    for login in logins:
        times: dict[str, list[float]] = {"alice": [], "nobody": []}
        for _ in range(5):
            for user, spent in times.items():
                ok, seconds = timed(login, "127.0.0.1", user, "wrong", server=server)
                assert not ok
                spent.append(seconds)
        unknown, existing = (statistics.median(times[u]) for u in ("nobody", "alice"))
        assert unknown >= 0.5 * existing, (login.__name__, unknown, existing)


def test_an_account_under_attack_is_reported_in_the_log(no_throttle: HatoProcess) -> None:
    server = no_throttle
    for n in range(20):
        assert not imap_login(server, f"127.0.0.{2 + n % 4}", "alice", f"guess{n}")
    assert server.stop() == 0
    (attack,) = [line for line in server.output if " attack " in line]
    assert " WARNING hato.auth.throttle: attack account=alice failures=20 addresses=4 " in attack


def test_the_attack_threshold_is_a_setting(tmp_path: Path) -> None:
    server = serve(
        tmp_path,
        "login_delay_base = 0.001\nlogin_delay_max = 0.001\nlogin_attack_threshold = 3",
    )
    for n in range(3):
        assert not imap_login(server, "127.0.0.2", "alice", f"guess{n}")
    assert server.stop() == 0
    (attack,) = [line for line in server.output if " attack " in line]
    assert " attack account=alice failures=3 addresses=1 " in attack
