"""The idle timeout against a real `hato serve`: a silent IMAP client is disconnected
after it, but one in IDLE is silent by design (RFC 2177 §3) and stays, its timed-out
reads read again, until it sends DONE (hato leaves it there up to 30 minutes)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw

TIMEOUT = 1  # seconds of [limits] idle_timeout


def test_idle_outlasts_the_idle_timeout_and_silence_elsewhere_does_not(tmp_path: Path) -> None:
    limits = f"[limits]\nidle_timeout = {TIMEOUT}\n"
    server = HatoProcess(tmp_path / "data", services=("imap",), extra_config=limits)
    server.add_users("ida")
    server.start()
    try:
        idler, silent = Raw(server.ports["imap"]), Raw(server.ports["imap"])
        for client in (idler, silent):
            assert client.command("a LOGIN ida ida-pw")[-1].startswith("a OK")
            assert client.command("s SELECT INBOX")[-1].startswith("s OK")
        idler.send(b"i IDLE\r\n")
        assert idler.line() == "+ idling\r\n"
        time.sleep(TIMEOUT * 3)  # three timeouts without a byte from either
        assert silent.line() == ""  # closed: the silent client's connection ended
        idler.send(b"DONE\r\n")
        assert idler.line() == "i OK Idle completed.\r\n"
        assert idler.command("n NOOP")[-1] == "n OK NOOP completed."
        for client in (idler, silent):
            client.close()
    finally:
        assert server.stop() == 0
