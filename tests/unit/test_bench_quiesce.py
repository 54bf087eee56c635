"""bench.target.quiesce: the bench waits for a quiet machine before it times rows."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.target import QUIET_WINDOW, quiesce


def test_it_waits_while_every_cpu_is_busy() -> None:
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        assert quiesce(limit=1.5) >= 1.5
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def test_it_looks_at_least_once() -> None:
    assert quiesce(limit=0.1) >= QUIET_WINDOW
