"""The harness starts hato again on new ports when one it picked was taken before hato's bind."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.target import EPHEMERAL, free_port
from tests.e2e import harness
from tests.e2e.harness import HatoProcess


def test_free_ports_lie_outside_the_ephemeral_range() -> None:
    low, high = map(int, Path(EPHEMERAL).read_text().split())
    assert not any(low <= free_port() <= high for _ in range(50))


def test_a_port_taken_after_the_pick_is_picked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        picks: Iterator[int] = iter([busy])
        monkeypatch.setattr(harness, "free_port", lambda: next(picks, None) or free_port())
        process = HatoProcess(tmp_path / "data", services=("smtp",)).start()
        try:
            assert process.ports["smtp"] != busy
            with socket.create_connection(("127.0.0.1", process.ports["smtp"]), timeout=10) as s:
                assert s.recv(100).startswith(b"220 ")
        finally:
            process.stop()


def test_ports_the_caller_chose_are_not_changed(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        process = HatoProcess(tmp_path / "data", services=("smtp",), ports={"smtp": busy})
        with pytest.raises(AssertionError, match="address already in use"):
            process.start()


def test_a_port_is_not_given_twice() -> None:
    ports = [free_port() for _ in range(2000)]
    assert len(set(ports)) == len(ports)
