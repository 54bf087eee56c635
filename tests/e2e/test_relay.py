"""The outbound queue end to end: routes, retries, bounces, restarts."""

from __future__ import annotations

import email
import smtplib
from pathlib import Path

import pytest

from hato.store import Store
from tests.e2e.harness import HatoProcess, free_port, hato, inbox_messages, read_store
from tests.e2e.relay_peer import ScriptedPeer, wait_until
from tests.e2e.test_smtp import tls_client_context

MESSAGE = b"From: Alice <alice@example.org>\r\nTo: zoe@remote.test\r\nSubject: out\r\n\r\nhi\r\n"


def sender_hato(
    tmp_path: Path, port: int, queue: str = "retry = [1]", new: bool = True
) -> HatoProcess:
    config = f'[routes]\n"remote.test" = "127.0.0.1:{port}"\n[queue]\n{queue}\ntimeout = 5\n'
    process = HatoProcess(tmp_path / "a", services=("submissions",), extra_config=config)
    if new:
        process.add_user("alice", "alice-pw")
    return process


def submit(process: HatoProcess, recipients: list[str], message: bytes = MESSAGE) -> None:
    with smtplib.SMTP_SSL(
        "127.0.0.1", process.ports["submissions"], timeout=10, context=tls_client_context()
    ) as smtp:
        smtp.login("alice", "alice-pw")
        assert smtp.sendmail("alice@example.org", recipients, message) == {}


def queue_list(process: HatoProcess) -> str:
    done = hato("queue", "list", data_dir=process.data_dir)
    assert done.returncode == 0, done.stderr
    return done.stdout


def bounces(process: HatoProcess) -> list[email.message.Message]:
    found = []
    for raw in inbox_messages(process.data_dir, "alice"):
        message = email.message_from_bytes(raw)
        if message.get_content_type() == "multipart/report":
            found.append(message)
    return found


def status_of(report: email.message.Message) -> str:
    text = report.as_string()
    return text.split("Status: ", 1)[1].split()[0]


def test_relay_to_a_second_hato_through_routes(tmp_path: Path) -> None:
    remote = HatoProcess(tmp_path / "b", services=("smtp",), domains=("remote.test",))
    remote.add_user("zoe", "zoe-pw")
    remote.add_user("zed", "zed-pw")
    remote.start()
    local = sender_hato(tmp_path, remote.ports["smtp"]).start()
    try:
        submit(local, ["zoe@remote.test", "zed@remote.test"])
        wait_until(lambda: inbox_messages(remote.data_dir, "zed"))
        wait_until(lambda: "queue is empty" in queue_list(local))
        stored = inbox_messages(remote.data_dir, "zoe")
        assert len(stored) == 1 and stored[0].endswith(MESSAGE.split(b"\r\n\r\n")[1])
        assert b"by mail.test (hato) with ESMTPSA" in stored[0]
    finally:
        assert local.stop() == 0
        assert remote.stop() == 0


def test_retry_after_a_drop_and_a_temporary_failure(tmp_path: Path) -> None:
    with ScriptedPeer(data_replies=["drop", "451 4.3.0 busy"]) as peer:
        local = sender_hato(tmp_path, peer.port).start()
        try:
            submit(local, ["zoe@remote.test", "zed@remote.test"])
            wait_until(lambda: peer.delivered)
            wait_until(lambda: "queue is empty" in queue_list(local))
        finally:
            assert local.stop() == 0
    assert peer.attempts == 3
    assert len(peer.delivered) == 1  # once, one transaction for both recipients
    assert peer.delivered[0].recipients == ["zoe@remote.test", "zed@remote.test"]
    assert peer.delivered[0].sender == "alice@example.org"
    assert bounces(local) == []


def test_bounce_after_a_permanent_failure(tmp_path: Path) -> None:
    refuse = {"nobody@remote.test": "550 5.1.1 <nobody@remote.test>: no such user"}
    with ScriptedPeer(refuse=refuse) as peer:
        local = sender_hato(tmp_path, peer.port).start()
        try:
            submit(local, ["zoe@remote.test", "nobody@remote.test"])
            wait_until(lambda: bounces(local))
            wait_until(lambda: "queue is empty" in queue_list(local))
        finally:
            assert local.stop() == 0
    assert [t.recipients for t in peer.delivered] == [["zoe@remote.test"]]
    (report,) = bounces(local)
    assert report["From"].startswith("Mail Delivery System <MAILER-DAEMON@mail.test>")
    parts = [part.get_content_type() for part in report.get_payload()]
    assert parts == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    text = report.as_string()
    assert "Final-Recipient: rfc822; nobody@remote.test" in text
    assert "Diagnostic-Code: smtp; 550 5.1.1" in text
    assert status_of(report) == "5.1.1"
    assert "Subject: out" in text  # the original headers
    assert (
        "zoe@remote.test" not in text.split("message/delivery-status")[1].split("rfc822-headers")[0]
    )


def test_bounce_after_expiry_on_a_closed_port(tmp_path: Path) -> None:
    local = sender_hato(tmp_path, free_port(), queue="retry = [1]\nlifetime = 2").start()
    try:
        submit(local, ["zoe@remote.test"])
        wait_until(lambda: bounces(local))
        wait_until(lambda: "queue is empty" in queue_list(local))
    finally:
        assert local.stop() == 0
    (report,) = bounces(local)
    assert status_of(report) == "4.4.7"
    assert "Action: failed" in report.as_string()


def test_queue_survives_sigkill_and_is_sent_once(tmp_path: Path) -> None:
    closed = free_port()
    local = sender_hato(tmp_path, closed, queue="retry = [3600]").start()
    submit(local, ["zoe@remote.test", "zed@remote.test"])
    wait_until(lambda: "attempts 1" in queue_list(local))
    local.kill()
    listing = queue_list(local)
    assert "<zoe@remote.test>  attempts 1" in listing and "connection" in listing
    with ScriptedPeer() as peer:
        restarted = sender_hato(tmp_path, peer.port, queue="retry = [3600]", new=False)
        restarted.start()
        try:
            assert "<zed@remote.test>" in queue_list(restarted)
            ident = queue_list(restarted).split()[0]
            assert hato("queue", "retry", ident, data_dir=restarted.data_dir).returncode == 0
            wait_until(lambda: peer.delivered)
            wait_until(lambda: "queue is empty" in queue_list(restarted))
            restarted.stop()
            restarted.start()
            submit(restarted, ["zoe@remote.test"], MESSAGE.replace(b"out", b"second"))
            wait_until(lambda: len(peer.delivered) == 2)
        finally:
            assert restarted.stop() == 0
    assert peer.delivered[0].recipients == ["zoe@remote.test", "zed@remote.test"]
    assert b"Subject: second" in peer.delivered[1].content


def test_queue_commands(tmp_path: Path) -> None:
    local = sender_hato(tmp_path, free_port(), queue="retry = [3600]").start()
    try:
        submit(local, ["zoe@remote.test"])
        wait_until(lambda: "attempts 1" in queue_list(local))
        ident = queue_list(local).split()[0]
        assert hato("queue", "retry", "999", data_dir=local.data_dir).returncode == 1
        assert hato("queue", "delete", ident, data_dir=local.data_dir).returncode == 0
        assert "queue is empty" in queue_list(local)
        assert hato("queue", "delete", ident, data_dir=local.data_dir).returncode == 1
    finally:
        assert local.stop() == 0


@pytest.mark.parametrize("command", [["alias", "list"], ["queue", "list"]])
def test_admin_commands_have_help(tmp_path: Path, command: list[str]) -> None:
    assert hato(*command, "--help", data_dir=tmp_path).returncode == 0


def test_a_bounce_to_a_local_sender_goes_through_its_sieve_script(tmp_path: Path) -> None:
    local = sender_hato(tmp_path, free_port(), queue="retry = [1]\nlifetime = 2")
    script = 'require ["fileinto", "mailbox"];\nif header :is "auto-submitted" "auto-replied" {\n'
    script += '  fileinto :create "Bounces";\n}\n'
    where = ("--config", str(local.config_path))
    for action in (["put", "--user", "alice", "main"], ["activate", "--user", "alice", "main"]):
        done = hato("sieve", *action, *where, data_dir=local.data_dir, stdin=script)
        assert done.returncode == 0, done.stderr
    local.start()
    try:
        submit(local, ["zoe@remote.test"])
        wait_until(lambda: "queue is empty" in queue_list(local))
    finally:
        assert local.stop() == 0
    assert bounces(local) == []  # filed by the script, not in INBOX

    async def filed(store: Store) -> int:
        account = await store.get_account("alice")
        assert account is not None
        box = await store.mailstore(account.id).get_mailbox("Bounces")
        return box.messages if box is not None else 0

    assert read_store(local.data_dir, filed) == 1
