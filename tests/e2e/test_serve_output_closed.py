"""``hato serve`` whose standard output nobody reads any more (the pipe of a supervisor or
a test that went away) still stops on SIGTERM, its store closed: it used to die of
BrokenPipeError on its "stopping" line before the stop, and its store's writer thread
then kept the process alive for ever."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.harness import free_port, hato

CONFIG = 'hostname = "mail.test"\ndomains = ["example.org"]\n'


def test_a_stop_after_the_output_closed_ends_the_process(tmp_path: Path) -> None:
    config = tmp_path / "hato.toml"
    config.write_text(CONFIG)
    data = tmp_path / "data"
    assert hato("user", "add", "alice", "--password-stdin", "--config", str(config),
                data_dir=data, stdin="alice-pw\n").returncode == 0  # fmt: skip
    ports = [f"--{s}=0" for s in ("smtp", "submission", "submissions", "lmtp", "pop3s",
                                  "imap", "imaps", "managesieve", "http")]  # fmt: skip
    command = [sys.executable, "-m", "hato", "serve", "--data-dir", str(data),
               "--config", str(config), f"--pop3={free_port()}", *ports]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        while not process.stdout.readline().startswith(b"hato: ready"):
            assert process.poll() is None, "hato serve ended before it was ready"
        process.stdout.close()  # nobody reads its output any more
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
