"""OBJECTID (RFC 8474) against a real `hato serve`, over raw sockets: MAILBOXID in CREATE,
SELECT/EXAMINE and STATUS; EMAILID and THREADID in FETCH and SEARCH."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw

MESSAGE = "From: carol@remote.example\r\nSubject: {}\r\n\r\nbody\r\n"
_ID = re.compile(r"MAILBOXID \(([A-Za-z0-9_-]{1,255})\)")
_EMAILID = re.compile(r"EMAILID \(([A-Za-z0-9_-]{1,255})\)")


@pytest.fixture
def raw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Raw]:
    process = HatoProcess(tmp_path_factory.mktemp("objectid") / "data", services=("imap",))
    process.add_user("alice", "alice-pw")
    process.start()
    client = Raw(process.ports["imap"])
    assert client.command("l LOGIN alice alice-pw")[-1].startswith("l OK")
    yield client
    client.close()
    assert process.stop() == 0


def mailbox_id(lines: list[str]) -> str:
    found = [m.group(1) for line in lines if (m := _ID.search(line))]
    assert len(found) == 1, lines
    return found[0]


def append(raw: Raw, mailbox: str, subject: str) -> None:
    data = MESSAGE.format(subject).encode()
    raw.send(f"a APPEND {mailbox} {{{len(data)}+}}\r\n".encode() + data + b"\r\n")
    answer = raw.line()
    assert answer.startswith("a OK"), answer


def email_ids(raw: Raw, command: str) -> list[str]:
    return [m.group(1) for line in raw.command(command) if (m := _EMAILID.search(line))]


def test_objectid_is_advertised_after_login(raw: Raw) -> None:
    assert "OBJECTID" in raw.command("c CAPABILITY")[0].split()


def test_a_mailbox_keeps_its_id_through_rename_and_a_new_one_never_reuses_it(raw: Raw) -> None:
    created = raw.command("c CREATE Lab")  # RFC 8474 §4.1: in CREATE's tagged OK
    assert created[-1].startswith("c OK [MAILBOXID (F")
    lab = mailbox_id(created)
    assert mailbox_id(raw.command("s SELECT Lab")) == lab  # §4.2
    assert mailbox_id(raw.command("e EXAMINE Lab")) == lab
    status = raw.command("t STATUS Lab (MESSAGES MAILBOXID)")  # §4.3
    assert status[0] == f"* STATUS Lab (MESSAGES 0 MAILBOXID ({lab}))"
    assert raw.command("u UNSELECT")[-1].startswith("u OK")
    assert raw.command("r RENAME Lab Lab2026")[-1].startswith("r OK")
    assert mailbox_id(raw.command("t STATUS Lab2026 (MAILBOXID)")) == lab
    # A new mailbox of the old name, and one after a DELETE: new ids, never the old one.
    again = mailbox_id(raw.command("c CREATE Lab"))
    assert raw.command("d DELETE Lab2026")[-1].startswith("d OK")
    third = mailbox_id(raw.command("c CREATE Lab2026"))
    inbox = mailbox_id(raw.command("t STATUS INBOX (MAILBOXID)"))
    assert len({lab, again, third, inbox}) == 4
    # Renaming INBOX moves its mail, UIDs and UIDVALIDITY to the new name, and so its id;
    # the empty INBOX left behind is a new mailbox (a new UIDVALIDITY), with a new id.
    assert raw.command("c RENAME INBOX Old")[-1].startswith("c OK")
    assert mailbox_id(raw.command("t STATUS Old (MAILBOXID)")) == inbox
    fresh = mailbox_id(raw.command("t STATUS INBOX (MAILBOXID)"))
    assert fresh not in {lab, again, third, inbox}


def test_emailid_follows_the_content_through_copy_and_move(raw: Raw) -> None:
    append(raw, "INBOX", "one")
    append(raw, "INBOX", "two")
    assert raw.command("c CREATE Kept")[-1].startswith("c OK")
    assert raw.command("s SELECT INBOX")[-1].startswith("s OK")
    one, two = email_ids(raw, "f FETCH 1:2 (EMAILID)")
    assert one != two and one.startswith("M")
    fetched = raw.command("f UID FETCH 1 (EMAILID THREADID)")  # §5.2: NIL, no thread ids
    assert fetched[0] == f"* 1 FETCH (UID 1 EMAILID ({one}) THREADID NIL)"
    assert raw.command("c COPY 1 Kept")[-1].startswith("c OK")
    assert raw.command("m MOVE 2 Kept")[-1].startswith("m OK")
    assert raw.command("s SELECT Kept")[-1].startswith("s OK")
    assert email_ids(raw, "f FETCH 1:* (EMAILID)") == [one, two]
    # SEARCH EMAILID (§6) finds the message; THREADID finds nothing here.
    assert raw.command(f"s UID SEARCH EMAILID {two}")[0] == "* SEARCH 2"
    assert raw.command(f"s SEARCH EMAILID {two[:-1]}X")[0] == "* SEARCH"
    assert raw.command("s SEARCH THREADID T1")[0] == "* SEARCH"
    assert raw.command(f"s SEARCH NOT EMAILID {one}")[0] == "* SEARCH 2"


def test_an_object_id_that_is_not_one_is_bad_and_the_session_goes_on(raw: Raw) -> None:
    assert raw.command("s SELECT INBOX")[-1].startswith("s OK")
    for bad in ("M!x", "M" + "a" * 256, '"Mabc"', "M.x"):
        assert raw.command(f"b SEARCH EMAILID {bad}")[-1].startswith("b BAD"), bad
    assert raw.command("n NOOP")[-1].startswith("n OK")
