"""The durability invariant (docs/architecture.md): SIGKILL amid parallel deliveries loses
no 250."""

from __future__ import annotations

import smtplib
import threading
import time
from pathlib import Path

from tests.e2e.harness import HatoProcess, inbox_messages

SENDERS = 4


def _send_until_refused(port: int, sender: int, acknowledged: list[str]) -> None:
    """Deliver numbered messages until the server dies; record each 250."""
    number = 0
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            while True:
                token = f"s{sender}-m{number}"
                body = f"Subject: {token}\r\nX-Token: {token}\r\n\r\n{'x' * 2000}\r\n"
                smtp.sendmail("load@remote.example", ["alice@example.org"], body.encode())
                acknowledged.append(token)
                number += 1
    except (smtplib.SMTPException, OSError):
        return


def test_sigkill_mid_delivery_loses_no_acknowledged_message(tmp_path: Path) -> None:
    process = HatoProcess(tmp_path / "data")
    process.add_user("alice", "pw")
    process.start()
    acknowledged: list[str] = []
    threads = [
        threading.Thread(target=_send_until_refused, args=(process.ports["smtp"], n, acknowledged))
        for n in range(SENDERS)
    ]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 200:
        time.sleep(0.01)
    process.kill()
    for thread in threads:
        thread.join(timeout=30)
    snapshot = list(acknowledged)

    process.start()
    assert process.stop() == 0
    stored = [
        m.split(b"X-Token: ", 1)[1].split(b"\r\n", 1)[0].decode()
        for m in inbox_messages(process.data_dir, "alice")
    ]
    assert len(stored) == len(set(stored)), "a message was stored twice"
    missing = set(snapshot) - set(stored)
    assert not missing, f"acknowledged but lost: {sorted(missing)[:5]}"
    assert len(snapshot) >= 200
