"""Start a throwaway hato on free loopback ports; stop it (SIGTERM) at the end."""

# ruff: noqa: S603 - the command is hato itself, no shell

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from functools import partial
from pathlib import Path

import psycopg

from bench import mail_checks, quota_cost
from bench.target import HOST, PASSWORD, USER, Target, free_port, rss_mb

__all__ = ["hato_command", "running_hato", "running_hato_nodes"]

MEASURED = ("smtp", "lmtp", "pop3", "imap", "http")
SWITCHED_OFF = ("pop3s", "imaps", "submission", "submissions", "managesieve")
_LISTENING = re.compile(r"^hato: (\w+) listening on [^\s]+:(\d+)$", re.MULTILINE)
_CONFIG = """\
hostname = "mail.bench.example"
domains = ["bench.example"]

[limits]
connections_per_address = 20000  # HATO_BENCH_IDLERS=10000 from one address

[dns]
servers = ["{dns}"]
"""
_STORE = """
[store]
url = "{url}"
"""


def hato_command() -> list[str]:
    script = Path(sys.executable).parent / "hato"
    return [str(script)] if script.exists() else [sys.executable, "-m", "hato"]


def _add_user(data_dir: Path, config: Path) -> None:
    """The bench account, and those the MX checks' and the quota rows deliver to."""
    where = ["--data-dir", str(data_dir), "--config", str(config)]
    for user in (USER, mail_checks.ACCOUNT, quota_cost.LIMITED, quota_cost.UNLIMITED):
        subprocess.run(
            [*hato_command(), "user", "add", user, "--password-stdin", *where],
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [*hato_command(), *quota_cost.QUOTA_ARGS, *where], check=True, capture_output=True
    )


def _serve_command(data_dir: Path, config: Path) -> list[str]:
    command = [*hato_command(), "serve", "--data-dir", str(data_dir), "--config", str(config)]
    command += ["--host", HOST]
    for service in MEASURED:
        command += [f"--{service}", str(free_port())]
    for service in SWITCHED_OFF:
        command += [f"--{service}", "0"]
    return command


def _wait_ready(process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "hato: ready" in text:
            return text
        if process.poll() is not None:
            raise RuntimeError(f"hato exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    raise RuntimeError(f"hato not ready after {timeout:.0f} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


#: Bodies stored without their searchable text (``blob_text.whole`` below 0).
_WAITING = "SELECT COUNT(*) FROM blob_text WHERE whole <> 1 AND whole < 0"  # its partial index


def _waiting(data_dir: Path, store_url: str | None) -> int:
    """How many bodies wait for hato's indexer, read from its store itself."""
    if store_url is not None:
        with psycopg.connect(store_url) as conn:
            row = conn.execute(_WAITING).fetchone()
    else:
        uri = f"file:{data_dir / 'hato.sqlite3'}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            row = conn.execute(_WAITING).fetchone()
    assert row is not None
    return int(row[0])


def _indexed(data_dir: Path, store_url: str | None, timeout: float = 3600.0) -> None:
    """Until hato's indexer has indexed what was delivered (it starts once deliveries
    pause for a second); polled every 50 ms, so that a timed caller loses little."""
    deadline = time.monotonic() + timeout
    while _waiting(data_dir, store_url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"hato's index not caught up after {timeout:.0f} s")
        time.sleep(0.05)


@contextmanager
def _node(data_dir: Path, config: Path, name: str, store_url: str | None) -> Iterator[Target]:
    log = data_dir.with_suffix(".log")
    with log.open("wb") as out:
        process = subprocess.Popen(_serve_command(data_dir, config), stdout=out, stderr=out)
    try:
        announced = _wait_ready(process, log)
        ports = {service: int(port) for service, port in _LISTENING.findall(announced)}
        settle = partial(_indexed, data_dir, store_url)
        yield Target(name, ports, lambda: [process.pid], settle=settle)
    finally:
        _stop(process)


@contextmanager
def running_hato_nodes(
    workdir: Path, store_url: str | None, count: int, name: str = "hato", more: str = ""
) -> Iterator[list[Target]]:
    """``count`` hato processes (each its own data directory) on one store: the embedded
    SQLite one (``store_url`` None; one node only) or the PostgreSQL database at ``store_url``;
    ``more`` is added to their configuration file (TOML tables)."""
    workdir.mkdir()
    config = workdir / "hato.toml"
    text = _CONFIG.format(dns=mail_checks.zone_address())  # the MX checks' DNS (bench/mail_checks)
    config.write_text(text + (_STORE.format(url=store_url) if store_url else "") + more)
    _add_user(workdir / "hato-data-1", config)
    with ExitStack() as stack:
        yield [
            stack.enter_context(_node(workdir / f"hato-data-{node}", config, name, store_url))
            for node in range(1, count + 1)
        ]


@contextmanager
def running_hato(
    workdir: Path, store_url: str | None = None, name: str = "hato", more: str = ""
) -> Iterator[Target]:
    """hato with the bench account; ``Target.ports`` lists only the listeners it announced;
    ``more``: configuration added to the file."""
    with running_hato_nodes(workdir, store_url, 1, name, more) as (target,):
        yield target


def peak_rss_mb(target: Target) -> float:
    """hato's peak resident memory so far (VmHWM)."""
    return rss_mb(target.pids(), "VmHWM")
