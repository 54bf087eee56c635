"""fetchmail (the Debian package) downloads from hato over POP3 and POP3S."""

from __future__ import annotations

import shutil
import smtplib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess, inbox_messages


def test_fetchmail_is_installed() -> None:
    assert shutil.which("fetchmail"), "fetchmail is a test dependency: run `make test`"


MESSAGES = [
    f"Subject: fetch {n}\r\nX-N: {n}\r\n\r\nbody {n}\r\n.dot\r\n".encode() for n in range(3)
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path / "data", services=("smtp", "pop3", "pop3s"))
    process.add_user("alice", "alice-pw")
    process.start()
    with smtplib.SMTP("127.0.0.1", process.ports["smtp"]) as smtp:
        for message in MESSAGES:
            smtp.sendmail("r@remote.example", ["alice@example.org"], message)
    yield process
    assert process.stop() == 0


def fetch(tmp_path: Path, port: int, options: str) -> list[bytes]:
    """Run fetchmail once; each message is handed to an MDA that writes it to a file."""
    out = tmp_path / f"fetched{len(list(tmp_path.glob('fetched*')))}"
    out.mkdir()
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        f"poll 127.0.0.1 service {port} protocol pop3 auth password uidl\n"
        f'  user "alice" password "alice-pw" is "alice" here\n'
        f"  {options}\n"
        f"  mda \"/bin/sh -c 'cat > {out}/msg.$$'\"\n"
    )
    rc.chmod(0o600)
    done = subprocess.run(
        ["fetchmail", "-f", str(rc), "-i", str(tmp_path / "ids"), "--nodetach", "-v"],
        capture_output=True, text=True, timeout=60, check=False, env={"HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: no new mail
    return sorted(path.read_bytes() for path in out.iterdir())


def _bodies(messages: list[bytes]) -> list[bytes]:
    return sorted(
        m.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in m else m.split(b"\n\n", 1)[1] for m in messages
    )


def test_fetchmail_keep_leaves_mail_on_the_server(server: HatoProcess, tmp_path: Path) -> None:
    fetched = fetch(tmp_path, server.ports["pop3"], "keep sslproto ''")
    assert len(fetched) == 3
    assert [b.replace(b"\r\n", b"\n") for b in _bodies(fetched)] == sorted(
        f"body {n}\n.dot\n".encode() for n in range(3)
    )
    assert len(inbox_messages(server.data_dir, "alice")) == 3
    again = fetch(tmp_path, server.ports["pop3"], "keep sslproto ''")
    assert again == []  # UIDL told fetchmail it has them all already


def test_fetchmail_over_pop3s_deletes(server: HatoProcess, tmp_path: Path) -> None:
    fetched = fetch(tmp_path, server.ports["pop3s"], "nokeep fetchall ssl no sslcertck")
    assert len(fetched) == 3
    assert inbox_messages(server.data_dir, "alice") == []
