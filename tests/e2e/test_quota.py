"""Quota (RFC 9208) end to end: `hato user quota`, the `[quota]` default, the IMAP
commands, and every delivery path refusing what would pass a limit (IMAP APPEND and
COPY `NO [OVERQUOTA]`, SMTP and LMTP `552 5.2.2` per recipient, Sieve's copies)."""

from __future__ import annotations

import imaplib
import smtplib
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess, hato, inbox_messages
from tests.e2e.test_sieve_delivery import install, mailbox, queued

USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank")
BODY = b"Subject: fill\r\n\r\n" + b"x" * 1000 + b"\r\n"
#: The config's default: every account without a setting of its own.
DEFAULT = '[quota]\nmessages = 50\nstorage = "1M"\n'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("quota") / "data"
    extra = DEFAULT + '[routes]\n"*" = "127.0.0.1:9"\n'  # bounces stay queued
    process = HatoProcess(data, services=("smtp", "lmtp", "imap"), extra_config=extra)
    for name in USERS:
        process.add_user(name, f"{name}-pw")
    process.start()
    yield process
    assert process.stop() == 0


def quota(server: HatoProcess, *args: str) -> tuple[int, str, str]:
    config = ("--config", str(server.config_path))
    done = hato("user", "quota", *args, *config, data_dir=server.data_dir)
    return done.returncode, done.stdout, done.stderr


def imap(server: HatoProcess, user: str) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    client.login(user, f"{user}-pw")
    return client


def fill(server: HatoProcess, user: str, count: int) -> None:
    with imap(server, user) as client:
        for _ in range(count):
            assert client.append("INBOX", None, None, BODY)[0] == "OK"


def message(subject: str) -> bytes:
    return f"From: c@remote.example\r\nSubject: {subject}\r\n\r\nhello\r\n".encode()


def subjects(messages: list[bytes]) -> list[str]:
    return [
        line.split(b":", 1)[1].strip().decode()
        for content in messages
        for line in content.split(b"\r\n")
        if line.startswith(b"Subject:")
    ]


def test_the_command_shows_and_sets_limits(server: HatoProcess) -> None:
    assert quota(server, "alice")[1] == (
        "storage: 0 octets of 1048576 (the default)\nmessages: 0 of 50 (the default)\n"
    )
    code, out, _ = quota(server, "alice", "--storage", "4K", "--messages", "3")
    assert code == 0
    assert out == "storage: 0 octets of 4096 (set for the account)\n" + (
        "messages: 0 of 3 (set for the account)\n"
    )
    out = quota(server, "alice", "--storage", "none")[1]
    assert out.startswith("storage: 0 octets, no limit (set for the account)\n")
    out = quota(server, "alice", "--storage", "default", "--messages", "default")[1]
    assert "(set for the account)" not in out
    assert quota(server, "alice", "--storage", "lots") == (
        1,
        "",
        "hato: quota: must be a size such as 500M or 1G, not 'lots'\n",
    )
    assert quota(server, "nobody")[0:3:2] == (1, "hato: no such user: nobody\n")


def test_imap_getquotaroot_getquota_and_setquota(server: HatoProcess) -> None:
    assert quota(server, "bob", "--storage", "10K", "--messages", "5")[0] == 0
    fill(server, "bob", 2)  # 2 x 1019 octets: 1 KiB, as RFC 9208 §5.1 counts (rounded down)
    with imap(server, "bob") as client:
        capabilities = client.capability()[1][0].decode().split()
        assert {"QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE"} <= set(capabilities)
        assert "QUOTASET" not in capabilities
        typ, data = client.getquotaroot("INBOX")
        assert typ == "OK"
        assert data == [[b'INBOX "User quota"'], [b'"User quota" (STORAGE 1 10 MESSAGE 2 5)']]
        assert client.getquota('"User quota"') == (
            "OK",
            [b'"User quota" (STORAGE 1 10 MESSAGE 2 5)'],
        )
        typ, data = client.getquota('"Other"')
        assert (typ, data) == ("NO", [b"[NONEXISTENT] Quota root does not exist."])
        typ, data = client.setquota('"User quota"', "(STORAGE 100)")
        assert typ == "NO" and data[0].startswith(b"[NOPERM]")
        typ, data = client.getquotaroot("Not.Yet")  # need not exist (RFC 9208 §4.1.2)
        assert (typ, data[0]) == ("OK", [b'Not.Yet "User quota"'])
        client.select("INBOX")
        client.store("1", "+FLAGS", "(\\Deleted)")
        typ, data = client.status("INBOX", "(DELETED DELETED-STORAGE)")
        assert data == [b"INBOX (DELETED 1 DELETED-STORAGE 1019)"]
        with pytest.raises(imaplib.IMAP4.error, match="Invalid arguments"):
            client.setquota('"User quota"', "(STORAGE x)")


def test_an_account_without_limits_has_no_root(server: HatoProcess) -> None:
    assert quota(server, "carol", "--storage", "none", "--messages", "none")[0] == 0
    with imap(server, "carol") as client:
        assert client.getquotaroot("INBOX") == ("OK", [[b"INBOX"], [None]])


def test_append_and_copy_past_the_limit_are_refused_move_is_not(server: HatoProcess) -> None:
    assert quota(server, "dave", "--messages", "3", "--storage", "none")[0] == 0
    fill(server, "dave", 3)
    with imap(server, "dave") as client:
        typ, data = client.append("INBOX", None, None, BODY)
        assert (typ, data) == ("NO", [b"[OVERQUOTA] Quota exceeded (mailbox for user is full)"])
        client.select("INBOX")
        typ, data = client.copy("1", "Trash")
        assert typ == "NO" and data[0].startswith(b"[OVERQUOTA]")
        typ, _ = client._simple_command("MOVE", "1", "Trash")
        assert typ == "OK"
        client.select("Trash")
        assert client.search(None, "ALL")[1] == [b"1"]


def test_smtp_refuses_the_full_recipient_and_delivers_to_the_other(server: HatoProcess) -> None:
    assert quota(server, "erin", "--messages", "1", "--storage", "none")[0] == 0
    fill(server, "erin", 1)
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        refused = smtp.sendmail(
            "c@remote.example", ["erin@example.org", "frank@example.org"], message("two")
        )
    code, text = refused["erin@example.org"]
    assert code == 552 and text.startswith(b"5.2.2 <erin@example.org> Quota exceeded")
    assert "two" in subjects(inbox_messages(server.data_dir, "frank"))
    assert "two" not in subjects(inbox_messages(server.data_dir, "erin"))


ENVELOPE = [b"EHLO t\r\n", b"MAIL FROM:<c@remote.example>\r\n"]


def _raw_smtp(port: int, lines: list[bytes]) -> list[bytes]:
    """One line at a time, each reply read (no SIZE= on MAIL, as an old client sends)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        reader = sock.makefile("rb")
        replies = [reader.readline()]
        for line in lines:
            sock.sendall(line)
            reply = reader.readline()
            while reply[3:4] == b"-":
                reply = reader.readline()
            replies.append(reply)
    return replies


def test_smtp_refuses_at_data_what_would_pass_the_storage(server: HatoProcess) -> None:
    assert quota(server, "frank", "--storage", "3K", "--messages", "none")[0] == 0
    big = b"Subject: big\r\n\r\n" + b"y" * 4000 + b"\r\n.\r\n"
    replies = _raw_smtp(
        server.ports["smtp"],
        [*ENVELOPE, b"RCPT TO:<frank@example.org>\r\n", b"DATA\r\n", big],
    )
    assert replies[3].startswith(b"250"), replies  # room for a message of unknown size
    assert replies[5].startswith(b"552 5.2.2 Quota exceeded"), replies
    assert "big" not in subjects(inbox_messages(server.data_dir, "frank"))


def test_lmtp_answers_each_recipient(server: HatoProcess) -> None:
    assert quota(server, "alice", "--storage", "2K", "--messages", "none")[0] == 0
    assert quota(server, "bob", "--storage", "none", "--messages", "none")[0] == 0
    content = b"Subject: lmtp big\r\n\r\n" + b"z" * 3000 + b"\r\n"
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"], timeout=10) as lmtp:
        lmtp.ehlo("lmtp.test")
        lmtp.mail("c@remote.example")  # no SIZE: RCPT cannot tell
        assert lmtp.rcpt("alice@example.org")[0] == 250
        assert lmtp.rcpt("bob@example.org")[0] == 250
        lmtp.putcmd("data")
        assert lmtp.getreply()[0] == 354
        lmtp.send(content + b".\r\n")
        replies = [lmtp.getreply() for _ in range(2)]
    assert replies[0][0] == 552 and replies[0][1].startswith(b"5.2.2 <alice@example.org>")
    assert replies[1][0] == 250
    assert "lmtp big" in subjects(inbox_messages(server.data_dir, "bob"))
    assert "lmtp big" not in subjects(inbox_messages(server.data_dir, "alice"))


def test_smtp_to_two_accounts_bounces_the_full_one(server: HatoProcess) -> None:
    """SMTP answers DATA once: an account found full only then is told in a bounce."""
    assert quota(server, "gina", "--storage", "2K", "--messages", "none")[0] == 0
    content = b"Subject: bounce me\r\n\r\n" + b"w" * 3000 + b"\r\n.\r\n"
    replies = _raw_smtp(
        server.ports["smtp"],
        [
            *ENVELOPE,
            *(b"RCPT TO:<%s@example.org>\r\n" % n for n in (b"gina", b"hank")),
            b"DATA\r\n",
            content,
        ],
    )
    assert replies[6].startswith(b"250 "), replies
    bounces = [c for s, r, c in queued(server) if r == "c@remote.example" and s == ""]
    assert len(bounces) == 1
    assert b"5.2.2" in bounces[0] and b"gina@example.org" in bounces[0]
    assert "bounce me" in subjects(inbox_messages(server.data_dir, "hank"))


def test_sieve_copies_fit_together_or_the_recipient_is_refused(server: HatoProcess) -> None:
    """fileinto :copy makes two copies; with room for one, neither is kept and LMTP says
    552 5.2.2: the implicit keep would pass the same account quota."""
    assert quota(server, "erin", "--messages", "2", "--storage", "none")[0] == 0
    install(server, "erin", 'require ["fileinto", "copy"];\nfileinto :copy "Trash";\n')
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"], timeout=10) as lmtp:
        lmtp.ehlo("lmtp.test")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            lmtp.sendmail("c@remote.example", ["erin@example.org"], message("sieved"))
    assert refused.value.smtp_code == 552
    assert "sieved" not in subjects([m for m, _ in mailbox(server, "erin", "Trash")])
    assert "sieved" not in subjects(inbox_messages(server.data_dir, "erin"))
