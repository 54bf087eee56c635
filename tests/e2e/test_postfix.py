"""Postfix (the lecture's MTA) relaying into hato over SMTP and over LMTP."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess, inbox_messages
from tests.e2e.postfix_instance import Postfix, available
from tests.e2e.relay_peer import wait_until

pytestmark = pytest.mark.skipif(not available(), reason="needs Postfix and root")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HatoProcess, Postfix]]:
    base = tmp_path_factory.mktemp("postfix")
    server = HatoProcess(base / "hato", services=("smtp", "lmtp"))
    server.add_user("alice", "alice-pw")
    server.add_user("bob", "bob-pw")
    server.start()
    transports = {
        "alice@example.org": f"smtp:[127.0.0.1]:{server.ports['smtp']}",
        "bob@example.org": f"lmtp:inet:127.0.0.1:{server.ports['lmtp']}",
    }
    postfix = Postfix(transports).start()
    try:
        yield server, postfix
    finally:
        postfix.stop()
        assert server.stop() == 0


def send_through(postfix: Postfix, recipient: str, subject: str) -> None:
    message = f"From: carol@remote.example\r\nTo: {recipient}\r\nSubject: {subject}\r\n\r\nhi\r\n"
    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=30) as smtp:
        assert smtp.sendmail("carol@remote.example", [recipient], message) == {}


@pytest.mark.parametrize(
    ("user", "relay"), [("alice", "smtp"), ("bob", "lmtp")], ids=["smtp", "lmtp"]
)
def test_postfix_relays_into_hato(
    pair: tuple[HatoProcess, Postfix], user: str, relay: str, tmp_path: Path
) -> None:
    server, postfix = pair
    subject = f"via postfix {relay}"
    send_through(postfix, f"{user}@example.org", subject)
    wait_until(lambda: any(subject.encode() in m for m in inbox_messages(server.data_dir, user)))
    stored = inbox_messages(server.data_dir, user)[-1]
    assert b"by postfix.test (Postfix)" in stored
    assert f"for <{user}@example.org>".encode() in stored
    wait_until(lambda: postfix.delivered_with(relay))
