"""Sieve at final delivery, end to end: scripts stored with ``hato sieve``, mail sent over
SMTP, LMTP and submission to a real ``hato serve``, results read back from the store."""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hato.store import Store
from tests.e2e.harness import HatoProcess, hato, inbox_messages, read_store
from tests.e2e.test_smtp import tls_client_context

USERS = ("alice", "bob", "carol", "dave", "erin")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("sieve") / "data"
    # Mail to other domains goes to a port nobody listens on: it stays in the queue.
    process = HatoProcess(
        data,
        services=("smtp", "lmtp", "submission"),
        extra_config='[routes]\n"*" = "127.0.0.1:9"\n[limits]\nlogin_delay_base = 0.05\n',
    )
    for name in USERS:
        process.add_user(name, f"{name}-pw")
    config = ("--config", str(process.config_path))
    assert hato("alias", "add", "team", "bob", "dave", *config, data_dir=data).returncode == 0
    process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture(autouse=True)
def no_active_scripts(server: HatoProcess) -> None:
    """Each test starts with no account's script active, whatever ran before it."""

    async def work(store: Store) -> None:
        for account in await store.list_accounts():
            await store.sieve_scripts(account.id).activate(None)

    read_store(server.data_dir, work)


def install(server: HatoProcess, user: str, script: str) -> None:
    config = ("--config", str(server.config_path))
    put = hato(
        "sieve", "put", "--user", user, "main", *config, data_dir=server.data_dir, stdin=script
    )
    assert put.returncode == 0, put.stderr
    active = hato("sieve", "activate", "--user", user, "main", *config, data_dir=server.data_dir)
    assert active.returncode == 0, active.stderr


def message(subject: str, to: str = "alice@example.org", extra: str = "") -> bytes:
    head = f"From: Carol <carol@remote.example>\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}"
    return (
        f"{head}Message-ID: <{subject.replace(' ', '.')}@remote.example>\r\n\r\nhello\r\n".encode()
    )


def send(
    server: HatoProcess, to: str | list[str], content: bytes, sender: str = "carol@remote.example"
) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail(sender, to, content)


def mailbox(server: HatoProcess, user: str, name: str) -> list[tuple[bytes, frozenset[str]]]:
    """Every message in ``user``'s mailbox ``name`` with its flags ([] if there is none)."""

    async def work(store: Store) -> list[tuple[bytes, frozenset[str]]]:
        account = await store.get_account(user)
        assert account is not None
        box = store.mailstore(account.id)
        found = await box.get_mailbox(name)
        if found is None:
            return []
        out = []
        for summary in await box.messages(found.id):
            content = await box.read_message(found.id, summary.uid)
            assert content is not None
            out.append((content, summary.flags))
        return out

    result: Any = read_store(server.data_dir, work)
    return list(result)


def queued(server: HatoProcess) -> list[tuple[str, str, bytes]]:
    """(sender, recipient, content) of every queued recipient."""

    async def work(store: Store) -> list[tuple[str, str, bytes]]:
        entries = await store.queue_entries()
        return [
            (e.sender, e.recipient, await store.queue_content(e.message_id) or b"") for e in entries
        ]

    result: Any = read_store(server.data_dir, work)
    return list(result)


def logged_line(server: HatoProcess, text: str) -> str:
    """The first log line since the last look that holds ``text`` (the log lags the reply)."""
    for _ in range(100):
        found = [line for line in server.new_output() if text in line]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no log line with {text!r}")


def subjects(messages: list[bytes]) -> list[str]:
    return [
        line.split(b": ", 1)[1].decode()
        for m in messages
        for line in m.split(b"\r\n")
        if line.startswith(b"Subject: ")
    ]


def test_fileinto_create_flags_discard_and_keep(server: HatoProcess) -> None:
    install(server, "alice", (
        'require ["fileinto", "mailbox", "imap4flags"];\n'
        'if header :contains "subject" "list" {\n'
        '  fileinto :create :flags "\\\\Flagged" "Lists.Daily"; stop;\n}\n'
        'if header :contains "subject" "spam" { discard; stop; }\n'
        'if header :contains "subject" "path" { fileinto :create "~bob/INBOX"; stop; }\n'
    ))  # fmt: skip
    before = len(inbox_messages(server.data_dir, "alice"))
    send(server, "alice@example.org", message("the list digest"))
    send(server, "alice@example.org", message("buy spam now"))
    send(server, "alice@example.org", message("a friend"))
    send(server, "alice@example.org", message("a path"))  # names only: INBOX instead
    filed = mailbox(server, "alice", "Lists.Daily")
    assert [flags for _, flags in filed] == [frozenset({"\\Flagged"})]
    assert b"Delivered-To: alice@example.org" in filed[0][0]
    assert subjects(inbox_messages(server.data_dir, "alice")[before:]) == ["a friend", "a path"]


def test_reject_in_the_smtp_reply_and_per_lmtp_recipient(server: HatoProcess) -> None:
    install(
        server,
        "bob",
        'require "reject";\nif header :contains "subject" "offer" {\n'
        '  reject "No offers, thanks.";\n}\n',
    )
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(server, "bob@example.org", message("an offer", "bob@example.org"))
    assert refused.value.smtp_code == 550 and b"No offers, thanks." in refused.value.smtp_error
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"], timeout=10) as lmtp:
        lmtp.ehlo("lmtp.test")
        lmtp.mail("carol@remote.example")
        lmtp.rcpt("bob@example.org")
        lmtp.rcpt("dave@example.org")
        lmtp.putcmd("data")
        assert lmtp.getreply()[0] == 354
        lmtp.send(message("another offer", "bob@example.org") + b".\r\n")
        replies = [lmtp.getreply() for _ in range(2)]
    assert replies[0][0] == 550 and b"<bob@example.org> No offers" in replies[0][1]
    assert replies[1][0] == 250
    assert "another offer" not in subjects(inbox_messages(server.data_dir, "bob"))
    assert "another offer" in subjects(inbox_messages(server.data_dir, "dave"))


def test_a_reject_lmtp_cannot_answer_alone_is_a_bounce(server: HatoProcess) -> None:
    """An alias of two accounts is one recipient: one account's reject is a bounce."""
    install(server, "bob", 'require "reject";\nreject "Not from the team list.";\n')
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"], timeout=10) as lmtp:
        lmtp.ehlo("lmtp.test")
        lmtp.sendmail(
            "sender@remote.example", ["team@example.org"], message("team news", "team@example.org")
        )
    assert "team news" in subjects(inbox_messages(server.data_dir, "dave"))
    assert "team news" not in subjects(inbox_messages(server.data_dir, "bob"))
    bounces = [(s, c) for s, r, c in queued(server) if r == "sender@remote.example"]
    assert len(bounces) == 1 and bounces[0][0] == ""
    assert b"Not from the team list." in bounces[0][1] and b"bob@example.org" in bounces[0][1]


def test_redirect_to_a_remote_address_is_queued(server: HatoProcess) -> None:
    install(server, "carol", 'require "copy";\nredirect :copy "carol@elsewhere.example";\n')
    send(server, "carol@example.org", message("forward me", "carol@example.org"))
    mine = [(s, r, c) for s, r, c in queued(server) if r == "carol@elsewhere.example"]
    assert len(mine) == 1
    sender, _, content = mine[0]
    assert sender == "carol@remote.example"
    assert b"Delivered-To: carol@example.org" in content and b"Subject: forward me" in content
    assert "forward me" in subjects(inbox_messages(server.data_dir, "carol"))


def test_redirect_loop_between_two_accounts_keeps_one_copy(server: HatoProcess) -> None:
    install(server, "dave", 'redirect "erin@example.org";\n')
    install(server, "erin", 'redirect "dave@example.org";\n')
    send(server, "dave@example.org", message("ping pong", "dave@example.org"))
    dave = subjects(inbox_messages(server.data_dir, "dave")).count("ping pong")
    erin = subjects(inbox_messages(server.data_dir, "erin")).count("ping pong")
    assert (dave, erin) == (0, 1)  # erin's redirect back would loop: kept


def test_vacation_replies_once_per_sender_and_never_to_lists(server: HatoProcess) -> None:
    install(server, "erin", 'require "vacation";\nvacation :days 3 :subject "Away" "I am away.";\n')
    sender = "friend@remote.example"
    for n in range(3):
        send(server, "erin@example.org", message(f"hi {n}", "erin@example.org"), sender)
    send(
        server,
        "erin@example.org",
        message("news", "erin@example.org", "Precedence: bulk\r\n"),
        "list@remote.example",
    )
    replies = [(s, c) for s, r, c in queued(server) if r in (sender, "list@remote.example")]
    assert len(replies) == 1
    envelope_sender, content = replies[0]
    assert envelope_sender == ""
    assert b"Auto-Submitted: auto-replied" in content and b"Subject: Away" in content
    assert (
        b"To: friend@remote.example" in content and b"In-Reply-To: <hi.0@remote.example>" in content
    )
    assert {"hi 0", "hi 1", "hi 2", "news"} <= set(
        subjects(inbox_messages(server.data_dir, "erin"))
    )


def test_a_vacation_reply_that_cannot_be_written_costs_no_delivery(server: HatoProcess) -> None:
    install(server, "erin", 'require "vacation";\nvacation :from "a@b@c" "Away.";\n')
    send(server, "erin@example.org", message("odd from", "erin@example.org"), "odd@remote.example")
    assert "odd from" in subjects(inbox_messages(server.data_dir, "erin"))
    assert not [r for _, r, _ in queued(server) if r == "odd@remote.example"]


def test_a_failing_script_keeps_the_message_and_a_new_script_takes_over(
    server: HatoProcess,
) -> None:
    install(server, "dave", 'require "include";\ninclude "missing";\ndiscard;\n')
    send(server, "dave@example.org", message("still here", "dave@example.org"))
    kept = [m for m in inbox_messages(server.data_dir, "dave") if b"still here" in m]
    assert b"X-Sieve-Error: line 2, column 1: no personal script 'missing'" in kept[0]
    install(server, "dave", "discard;\n")  # the cached program gives way to the new text
    send(server, "dave@example.org", message("gone", "dave@example.org"))
    assert "gone" not in subjects(inbox_messages(server.data_dir, "dave"))


def test_submission_local_copies_are_filtered(server: HatoProcess) -> None:
    install(
        server,
        "bob",
        'require "fileinto";\nif address :is "from" "alice@example.org" { fileinto "Trash"; }\n',
    )
    with smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=10) as smtp:
        smtp.starttls(context=tls_client_context())
        smtp.login("alice", "alice-pw")
        content = (
            b"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: from alice\r\n\r\nhi\r\n"
        )
        smtp.sendmail("alice@example.org", ["bob@example.org"], content)
    assert "from alice" in subjects([m for m, _ in mailbox(server, "bob", "Trash")])
    assert "from alice" not in subjects(inbox_messages(server.data_dir, "bob"))


def test_raw_lmtp_session_survives_a_hostile_script(server: HatoProcess) -> None:
    """A script past its step budget: the message is kept, the session goes on."""
    rule = 'if header :matches "subject" "*' + "a" * 50 + 'b" { discard; }\n'
    rules = rule * 10  # each scans 3,000 places over 50 characters: past the step budget
    install(server, "carol", rules)
    raw = socket.create_connection(("127.0.0.1", server.ports["lmtp"]), timeout=30)
    raw.sendall(
        b"LHLO x\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<carol@example.org>\r\nDATA\r\n"
    )
    server.new_output()
    raw.sendall(message("a" * 3000, "carol@example.org") + b".\r\nQUIT\r\n")
    answer = b""
    while chunk := raw.recv(65536):
        answer += chunk
    raw.close()
    assert b"250 2.0.0 <carol@example.org>" in answer and answer.rstrip().endswith(b"221 2.0.0 Bye")
    assert any(s.startswith("aaaa") for s in subjects(inbox_messages(server.data_dir, "carol")))
    logged = logged_line(server, "sieve account=carol")
    assert "result=kept" in logged and "budget" in logged


def test_global_scripts_run_around_the_accounts_own(tmp_path: Path) -> None:
    before = tmp_path / "before.sieve"
    before.write_text(
        'require ["fileinto", "mailbox"];\n'
        'if header :contains "subject" "SPAM" { fileinto :create "Junk"; stop; }\n'
    )
    after = tmp_path / "after.sieve"
    after.write_text('require "imap4flags";\naddflag "seen-by-after";\n')
    config = f'[sieve]\nbefore = "{before}"\nafter = "{after}"\n'
    process = HatoProcess(tmp_path / "data", services=("smtp",), extra_config=config)
    process.add_user("alice", "alice-pw")
    process.start()
    try:
        install(process, "alice", 'require "imap4flags";\naddflag "\\\\Flagged";\n')
        send(process, "alice@example.org", message("SPAM offer"))
        send(process, "alice@example.org", message("hello"))
        assert subjects([m for m, _ in mailbox(process, "alice", "Junk")]) == ["SPAM offer"]
        inbox = mailbox(process, "alice", "INBOX")
        assert [subjects([m]) for m, _ in inbox] == [["hello"]]
        assert inbox[0][1] == frozenset({"\\Flagged", "seen-by-after"})
    finally:
        assert process.stop() == 0
