"""Start a throwaway hato on free loopback ports; stop it (SIGTERM) at the end."""

# ruff: noqa: S603 - the command is hato itself, no shell

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.target import HOST, PASSWORD, USER, Target, free_port, rss_mb

__all__ = ["running_hato"]

MEASURED = ("smtp", "lmtp", "pop3", "imap")
SWITCHED_OFF = ("pop3s", "imaps", "submission", "submissions")
_LISTENING = re.compile(r"^hato: (\w+) listening on [^\s]+:(\d+)$", re.MULTILINE)
_CONFIG = """\
hostname = "mail.bench.example"
domains = ["bench.example"]
"""


def _hato_command() -> list[str]:
    script = Path(sys.executable).parent / "hato"
    return [str(script)] if script.exists() else [sys.executable, "-m", "hato"]


def _add_user(data_dir: Path, config: Path) -> None:
    where = ["--data-dir", str(data_dir), "--config", str(config)]
    subprocess.run(
        [*_hato_command(), "user", "add", USER, "--password-stdin", *where],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )


def _serve_command(data_dir: Path, config: Path) -> list[str]:
    command = [*_hato_command(), "serve", "--data-dir", str(data_dir), "--config", str(config)]
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


@contextmanager
def running_hato(workdir: Path) -> Iterator[Target]:
    """hato with the bench account; ``Target.ports`` lists only the listeners it announced."""
    workdir.mkdir()
    data_dir = workdir / "hato-data"
    config = workdir / "hato.toml"
    config.write_text(_CONFIG)
    _add_user(data_dir, config)
    log = workdir / "hato.log"
    with log.open("wb") as out:
        process = subprocess.Popen(_serve_command(data_dir, config), stdout=out, stderr=out)
    try:
        announced = _wait_ready(process, log)
        ports = {name: int(port) for name, port in _LISTENING.findall(announced)}
        yield Target("hato", ports, lambda: [process.pid])
    finally:
        _stop(process)


def peak_rss_mb(target: Target) -> float:
    """hato's peak resident memory so far (VmHWM)."""
    return rss_mb(target.pids(), "VmHWM")
