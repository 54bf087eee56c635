"""IMAP and IMAPS against a real `hato serve`: raw sockets, imaplib and imapclient."""

from __future__ import annotations

import imaplib
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Iterator

import imapclient
import pytest

from tests.e2e.harness import HatoProcess

MESSAGE = (
    b"From: Carol <carol@remote.example>\r\n"
    b"To: Alice <alice@example.org>\r\n"
    b"Subject: hello imap\r\n"
    b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <m1@remote.example>\r\n"
    b"\r\n"
    b"first line\r\n"
    b"a rare word: xylophone\r\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("imap") / "data"
    process = HatoProcess(
        data,
        services=("smtp", "imap", "imaps"),
        extra_config="[limits]\nmessage_size = 100000\n",
    )
    for user in ("alice", "bob", "carol", "dave", "erin"):
        process.add_user(user, f"{user}-pw")
    process.start()
    yield process
    assert process.stop() == 0


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def login(server: HatoProcess, user: str = "alice") -> imaplib.IMAP4:
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    imap.login(user, f"{user}-pw")
    return imap


def deliver(server: HatoProcess, user: str, body: bytes = MESSAGE) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("carol@remote.example", [f"{user}@example.org"], body)


def created(tag: str = "c") -> str:
    """CREATE's tagged OK, with its MAILBOXID (RFC 8474 §4.1): a pattern for re.fullmatch."""
    return rf"{tag} OK \[MAILBOXID \(F[0-9a-f]{{24}}\)\] Create completed\."


def logged_in(port: int, user: str) -> Raw:
    """A raw session logged in as ``user``, whose password is ``user-pw``."""
    raw = Raw(port)
    assert raw.command(f"l LOGIN {user} {user}-pw")[-1].startswith("l OK")
    return raw


class Raw:
    """A telnet-like client: send a line, read the answer up to the tagged line."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.greeting = self.file.readline().decode()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> str:
        return self.file.readline().decode("utf-8", "replace")

    def command(self, line: str) -> list[str]:
        tag = line.split()[0]
        self.send(line.encode() + b"\r\n")
        lines = []
        while True:
            got = self.line()
            assert got, lines
            lines.append(got.rstrip("\r\n"))
            if got.startswith(tag + " "):
                return lines

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def test_login_carries_capabilities_when_not_asked_before(server: HatoProcess) -> None:
    raw = Raw(server.ports["imap"])
    assert raw.greeting.startswith("* OK [CAPABILITY IMAP4rev1 ")
    assert "STARTTLS" in raw.greeting and raw.greeting.endswith("hato ready.\r\n")
    reply = raw.command("a1 LOGIN alice alice-pw")
    assert len(reply) == 1
    assert re.match(r"a1 OK \[CAPABILITY IMAP4rev1 .*UIDPLUS.*\] Logged in$", reply[0])
    assert raw.command("a2 LOGOUT") == ["* BYE Logging out", "a2 OK Logout completed."]
    raw.close()


def test_imaplib_round_trip(server: HatoProcess) -> None:
    deliver(server, "bob")
    imap = login(server, "bob")
    typ, data = imap.select("INBOX")
    assert typ == "OK" and data == [b"1"]
    typ, data = imap.fetch("1", "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK"
    assert data[0][1] == b"Subject: hello imap\r\n\r\n"  # type: ignore[index]
    assert imap.fetch("1", "(FLAGS)")[1] == [b"1 (FLAGS (\\Recent))"]
    assert imap.search(None, "BODY", "xylophone") == ("OK", [b"1"])
    assert imap.search(None, "FROM", "carol", "UNSEEN") == ("OK", [b"1"])
    assert imap.search(None, "SUBJECT", "nothing-like-it") == ("OK", [b""])
    typ, data = imap.fetch("1", "(BODY[TEXT])")
    assert data[0][1] == b"first line\r\na rare word: xylophone\r\n"  # type: ignore[index]
    assert imap.search(None, "SEEN") == ("OK", [b"1"])
    typ, data = imap.append("INBOX", "(\\Flagged)", None, MESSAGE)
    assert typ == "OK" and b"APPENDUID" in data[0]
    typ, data = imap.uid("COPY", "1:*", "Trash")
    assert typ == "OK"
    assert imap.status("Trash", "(MESSAGES)")[1] == [b"Trash (MESSAGES 2)"]
    imap.store("2", "+FLAGS", "\\Deleted")
    typ, data = imap.expunge()
    assert data == [b"2"]
    assert imap.close()[0] == "OK"
    imap.logout()


def test_imapclient_over_imaps_and_starttls(server: HatoProcess) -> None:
    deliver(server, "carol")
    with imapclient.IMAPClient(
        "127.0.0.1", port=server.ports["imaps"], ssl=True, ssl_context=tls_context()
    ) as client:
        client.login("carol", "carol-pw")
        assert b"MOVE" in client.capabilities()
        folders = {name for _, _, name in client.list_folders()}
        assert {"INBOX", "Drafts", "Sent", "Trash"} <= folders
        client.select_folder("INBOX")
        uids = client.search(["ALL"])
        fetched = client.fetch(uids, ["ENVELOPE", "BODYSTRUCTURE", "INTERNALDATE"])
        envelope = fetched[uids[0]][b"ENVELOPE"]
        assert envelope.subject == b"hello imap"
        assert envelope.message_id == b"<m1@remote.example>"
        client.create_folder("Work.2024")
        assert client.folder_exists("Work")
        client.move(uids, "Work.2024")
        assert client.search(["ALL"]) == []
        assert client.folder_status("Work.2024", [b"MESSAGES"])[b"MESSAGES"] == 1
    with imapclient.IMAPClient("127.0.0.1", port=server.ports["imap"], ssl=False) as client:
        client.starttls(tls_context())
        assert b"STARTTLS" not in client.capabilities()
        client.login("carol", "carol-pw")
        assert client.select_folder("Work.2024", readonly=True)[b"EXISTS"] == 1


def test_idle_wakes_on_delivery(server: HatoProcess) -> None:
    with imapclient.IMAPClient("127.0.0.1", port=server.ports["imap"], ssl=False) as client:
        client.login("dave", "dave-pw")
        client.select_folder("INBOX")
        client.idle()
        started = time.monotonic()
        deliver(server, "dave")
        responses = client.idle_check(timeout=5)
        elapsed = time.monotonic() - started
        client.idle_done()
        assert (1, b"EXISTS") in responses
        assert elapsed < 2.0


def test_other_sessions_changes_are_reported_where_allowed(server: HatoProcess) -> None:
    first = login(server, "alice")
    first.select("INBOX")
    second = login(server, "alice")
    second.select("INBOX")
    deliver(server, "alice")
    time.sleep(0.2)
    first.noop()
    assert first.response("EXISTS")[1][-1] == b"1"
    second.noop()
    second.store("1", "+FLAGS", "\\Deleted")
    second.expunge()
    time.sleep(0.2)
    first.fetch("1", "(FLAGS)")  # RFC 3501 §7.4.1: no EXPUNGE during FETCH
    assert first.response("EXPUNGE") == ("EXPUNGE", [None])
    first.noop()
    assert first.response("EXPUNGE")[1] == [b"1"]
    first.logout()
    second.logout()


def test_bad_input_keeps_the_session(server: HatoProcess) -> None:
    raw = Raw(server.ports["imap"])
    assert raw.command("b0 SELECT INBOX") == ["b0 BAD Error in IMAP command received by server."]
    raw.command("b1 LOGIN alice alice-pw")
    assert raw.command("b2 FETCH 1 FLAGS") == ["b2 BAD No mailbox selected."]
    raw.send(b"b3 APPEND INBOX {999999999}\r\n")
    assert raw.line() == "b3 NO [TOOBIG] Literal size too large.\r\n"
    assert raw.command("b4 CREATE a..b")[-1] == "b4 NO Invalid mailbox name."
    assert raw.command("b5 SELECT INBOX")[-1].startswith("b5 OK [READ-WRITE]")
    assert raw.command("b6 FETCH 0 FLAGS")[-1].startswith("b6 BAD Error in IMAP command FETCH")
    assert raw.command("b7 FETCH 1 (FLAGS")[-1].startswith("b7 BAD")
    assert raw.command("b8 DELETE INBOX")[-1] == "b8 NO INBOX can't be deleted."
    assert raw.command('b9 LIST "" "../*"') == ["b9 OK List completed."]
    assert raw.command("b10 NOOP") == ["b10 OK NOOP completed."]
    raw.close()


def test_mailbox_management(server: HatoProcess) -> None:
    raw = Raw(server.ports["imap"])
    raw.command("c1 LOGIN alice alice-pw")
    raw.command("c2 CREATE Projects.Alpha")
    listing = raw.command('c3 LIST "" "Projects*"')
    assert listing[:2] == [
        '* LIST (\\HasChildren) "." "Projects"',
        '* LIST (\\HasNoChildren) "." "Projects.Alpha"',
    ]
    raw.command("c4 RENAME Projects Archive2")
    assert (
        raw.command('c5 LIST "" "Archive2.%"')[0] == '* LIST (\\HasNoChildren) "." "Archive2.Alpha"'
    )
    status = raw.command("c6 STATUS Drafts (MESSAGES SIZE UIDVALIDITY)")[0]
    validity = re.search(r"UIDVALIDITY (\d+)", status)
    assert validity and status.startswith("* STATUS Drafts (MESSAGES 0 UIDVALIDITY")
    extended = raw.command('c7 LIST (SPECIAL-USE) "" "*" RETURN (STATUS (MESSAGES))')
    assert '* LIST (\\HasNoChildren \\Drafts) "." "Drafts"' in extended
    assert "* STATUS Drafts (MESSAGES 0)" in extended
    raw.command("c8 DELETE Drafts")
    raw.command("c9 CREATE Drafts")
    again = raw.command("c10 STATUS Drafts (UIDVALIDITY)")[0]
    assert again != f"* STATUS Drafts (UIDVALIDITY {validity.group(1)})"
    raw.command("c11 SUBSCRIBE Archive2")
    assert '* LSUB () "." "Archive2"' in raw.command('c12 LSUB "" "*"')
    raw.close()


def test_rename_inbox_moves_its_mail(server: HatoProcess) -> None:
    deliver(server, "dave")
    imap = login(server, "dave")
    count = int(imap.select("INBOX")[1][0])  # type: ignore[index]
    imap.close()
    assert imap.rename("INBOX", "Old")[0] == "OK"
    assert imap.select("Old")[1] == [str(count).encode()]
    assert imap.select("INBOX")[1] == [b"0"]
    imap.logout()


def test_authenticate_plain_with_initial_response(server: HatoProcess) -> None:
    raw = Raw(server.ports["imap"])
    reply = raw.command("d1 AUTHENTICATE PLAIN AGFsaWNlAGFsaWNlLXB3")  # \0alice\0alice-pw
    assert reply[-1].startswith("d1 OK [CAPABILITY")
    raw.close()
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    with pytest.raises(imaplib.IMAP4.error):
        imap.authenticate("PLAIN", lambda _: b"\0alice\0wrong")
    imap.logout()


def test_uidplus_codes(server: HatoProcess) -> None:
    raw = Raw(server.ports["imap"])
    raw.command("e1 LOGIN bob bob-pw")
    raw.command("e2 CREATE Uidplus")
    raw.send(b"e3 APPEND Uidplus (\\Seen) {%d+}\r\n%s\r\n" % (len(MESSAGE), MESSAGE))
    appended = raw.line()
    found = re.match(r"e3 OK \[APPENDUID (\d+) 1\] Append completed\.", appended)
    assert found, appended
    raw.command("e4 SELECT Uidplus")
    copied = raw.command("e5 UID COPY 1 Uidplus")[-1]
    assert copied == f"e5 OK [COPYUID {found.group(1)} 1 2] Copy completed."
    moved = raw.command("e6 MOVE 2 Trash")
    assert moved[0].startswith("* OK [COPYUID ") and moved[1] == "* 2 EXPUNGE"
    raw.command("e7 STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert raw.command("e8 UID EXPUNGE 1") == ["* 1 EXPUNGE", "e8 OK Expunge completed."]
    raw.close()


def test_multiappend_is_all_or_nothing_and_keeps_the_zone(server: HatoProcess) -> None:
    """RFC 3502 §6.3.11: a failed MULTIAPPEND appends none; RFC 3501 §2.3.3: the zone stays."""
    raw = Raw(server.ports["imap"])
    raw.command("a LOGIN dave dave-pw")
    raw.command("c CREATE multi")
    date = '"01-Feb-2024 10:00:00 +0530"'
    raw.send(b"m1 APPEND multi (\\Seen) %s {5+}\r\nhello {0+}\r\n\r\n" % date.encode())
    assert raw.line().startswith("m1 NO")
    assert raw.command("s STATUS multi (MESSAGES UIDNEXT)")[0].endswith("(MESSAGES 0 UIDNEXT 1)")
    raw.send(b"m2 APPEND multi %s {5+}\r\nhello {3+}\r\nbye\r\n" % date.encode())
    reply = raw.line()
    assert reply.startswith("m2 OK [APPENDUID ") and " 1:2]" in reply, reply
    raw.command("x SELECT multi")
    fetched = raw.command("f FETCH 1:2 INTERNALDATE")
    assert fetched[0] == '* 1 FETCH (INTERNALDATE "01-Feb-2024 10:00:00 +0530")'
    assert fetched[1].endswith(' +0000")')  # no date-time given: the server's clock, UTC
    raw.close()


def test_fetch_sends_nul_as_0x80(server: HatoProcess) -> None:
    """RFC 3501 §4.3: literals carry no NUL; Dovecot sends 0x80 instead, and so do we
    for BODY[], BODY[section], RFC822 and RFC822.TEXT, at the size RFC822.SIZE gives."""
    message = b"Subject: nul\r\n\r\nbefore\x00after\x00\r\n"
    imap = login(server, "erin")
    assert imap.append("INBOX", None, None, message)[0] == "OK"
    imap.select("INBOX")
    kind, data = imap.fetch("1", "(RFC822.SIZE BODY.PEEK[] BODY.PEEK[1] RFC822.TEXT)")
    assert kind == "OK"
    assert re.search(rb"RFC822\.SIZE (\d+)", data[0][0]).group(1) == b"%d" % len(message)
    bodies = [part[1] for part in data if isinstance(part, tuple)]
    assert bodies == [
        message.replace(b"\x00", b"\x80"),
        b"before\x80after\x80\r\n",
        b"before\x80after\x80\r\n",
    ]
    imap.logout()
