"""THREAD and UID THREAD (RFC 5256: ORDEREDSUBJECT, REFERENCES, and Dovecot's REFS) over
imaplib against a real `hato serve`: Japanese and English subjects, search criteria, a
session behind its mailbox, and the answers to bad input over a raw socket."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess, b_word, raw_imap_session, seed_inbox, tagged_answer

# (headers, INTERNALDATE); dates in UTC: 1 Jan 00:00, 1 Jan 10:00, 2 Jan, 1 Jan 12:00,
# 3 Jan, (none: INTERNALDATE 5 Jan), 31 Dec, 4 Jan.
MESSAGES = [
    (  # 1
        "Message-ID: <root@example.jp>\r\n"
        f"Subject: {b_word('会議の件', 'iso-2022-jp')}\r\n"
        "Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n",
        "06-Jan-2024 00:00:00 +0000",
    ),
    (  # 2
        "Message-ID: <q1@example.com>\r\nSubject: Quarterly report\r\n"
        "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n",
        "06-Jan-2024 00:00:00 +0000",
    ),
    (  # 3
        "Message-ID: <r1@example.jp>\r\nIn-Reply-To: <root@example.jp>\r\n"
        f"Subject: {b_word('Re: 会議の件', 'utf-8')}\r\n"
        "Date: Tue, 02 Jan 2024 00:00:00 +0000\r\n",
        "06-Jan-2024 00:00:00 +0000",
    ),
    (  # 4
        "Message-ID: <q2@example.com>\r\nReferences: <q1@example.com>\r\n"
        "Subject: Re: Quarterly report\r\nDate: Mon, 01 Jan 2024 12:00:00 +0000\r\n",
        "06-Jan-2024 00:00:00 +0000",
    ),
    (  # 5
        "Message-ID: <r2@example.jp>\r\n"
        "References: <root@example.jp>\r\n <r1@example.jp>\r\n"
        f"Subject: Re: {b_word('Re: 会議の件', 'utf-8')}\r\n"
        "Date: Wed, 03 Jan 2024 00:00:00 +0000\r\n",
        "06-Jan-2024 00:00:00 +0000",
    ),
    (  # 6: no Date, so its INTERNALDATE; no References, a forward of 2's subject
        "Message-ID: <fw@example.com>\r\nSubject: Fwd: quarterly  REPORT\r\n",
        "05-Jan-2024 00:00:00 +0000",
    ),
    (  # 7
        "Message-ID: <o1@example.jp>\r\nReferences: <missing@example.jp>\r\n"
        f"Subject: {b_word('あいさつ', 'iso-2022-jp')}\r\n"
        "Date: Sun, 31 Dec 2023 00:00:00 +0000\r\n",
        "06-Jan-2024 00:00:00 +0000",
    ),
    (  # 8
        "Message-ID: <o2@example.jp>\r\nReferences: <missing@example.jp>\r\n"
        f"Subject: {b_word('Re: あいさつ', 'utf-8')}\r\n"
        "Date: Thu, 04 Jan 2024 00:00:00 +0000\r\n",
        "06-Jan-2024 00:00:00 +0000",
    ),
]


def append_all(client: imaplib.IMAP4, mailbox: str) -> None:
    for headers, internal in MESSAGES:
        message = (headers + "\r\nbody\r\n").encode()
        assert client.append(mailbox, None, f'"{internal}"', message)[0] == "OK"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("imap-thread") / "data"
    process = HatoProcess(data, services=("imap",))
    process.add_user("alice", "alice-pw")
    process.start()
    messages = [((headers + "\r\nbody\r\n").encode(), internal) for headers, internal in MESSAGES]
    seed_inbox(process.ports["imap"], "alice", "alice-pw", messages)
    yield process
    assert process.stop() == 0


def connect(server: HatoProcess, mailbox: str = "INBOX") -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    client.login("alice", "alice-pw")
    assert client.select(mailbox)[0] == "OK"
    return client


@pytest.fixture
def imap(server: HatoProcess) -> Iterator[imaplib.IMAP4]:
    client = connect(server)
    yield client
    client.logout()


def thread(imap: imaplib.IMAP4, algorithm: str, *search: str, charset: str = "UTF-8") -> bytes:
    typ, data = imap.thread(algorithm, charset, *(search or ("ALL",)))
    assert typ == "OK", data
    return data[0] or b""


def uid_thread(imap: imaplib.IMAP4, algorithm: str, *search: str) -> bytes:
    typ, data = imap.uid("THREAD", algorithm, "UTF-8", *(search or ("ALL",)))
    assert typ == "OK", data
    return data[0] or b""


def test_capabilities(imap: imaplib.IMAP4) -> None:
    typ, data = imap.capability()
    assert typ == "OK"
    wanted = {b"THREAD=REFERENCES", b"THREAD=REFS", b"THREAD=ORDEREDSUBJECT"}
    assert wanted <= set(data[0].split())


def test_references(imap: imaplib.IMAP4) -> None:
    """7 and 8 share a missing parent; 6 joins 2 by its base subject (step 5)."""
    assert thread(imap, "REFERENCES") == b"((7)(8))(1 3 5)(2 (4)(6))"
    assert thread(imap, "references", charset="US-ASCII") == b"((7)(8))(1 3 5)(2 (4)(6))"


def test_refs(imap: imaplib.IMAP4) -> None:
    """No subjects; threads by their latest message."""
    assert thread(imap, "REFS") == b"(2 4)(1 3 5)((7)(8))(6)"


def test_ordered_subject(imap: imaplib.IMAP4) -> None:
    assert thread(imap, "ORDEREDSUBJECT") == b"(7 8)(1 (3)(5))(2 (4)(6))"


def test_uid_thread(imap: imaplib.IMAP4) -> None:
    assert uid_thread(imap, "REFERENCES") == b"((8)(9))(2 4 6)(3 (5)(7))"
    assert uid_thread(imap, "ORDEREDSUBJECT") == b"(8 9)(2 (4)(6))(3 (5)(7))"
    assert uid_thread(imap, "REFS", "UID", "2:4") == b"(3)(2 4)"


def test_search_criteria_select_what_is_threaded(imap: imaplib.IMAP4) -> None:
    # 3's parent is missing now: it is a root; 4 and 6 are replies with one subject,
    # so a dummy holds both
    assert thread(imap, "REFERENCES", "3:8") == b"((7)(8))((4)(6))(3 5)"
    assert thread(imap, "REFERENCES", "SUBJECT", "quarterly") == b"(2 (4)(6))"
    assert thread(imap, "ORDEREDSUBJECT", "NOT", "SUBJECT", "quarterly") == b"(7 8)(1 (3)(5))"
    assert thread(imap, "REFERENCES", "SUBJECT", "nothing-like-this") == b""


def test_japanese_search_literal(imap: imaplib.IMAP4) -> None:
    imap.literal = "会議".encode()  # type: ignore[assignment]  # imaplib sends bytes
    assert thread(imap, "REFERENCES", "SUBJECT") == b"(1 3 5)"
    imap.literal = "あいさつ".encode()  # type: ignore[assignment]  # imaplib sends bytes
    assert thread(imap, "REFS", "SUBJECT") == b"((7)(8))"


def test_a_session_behind_its_mailbox_threads_its_own_messages(server: HatoProcess) -> None:
    """New mail is threaded once the session has been told of it (RFC 3501 §7.4.1)."""
    setup = connect(server)
    assert setup.create("Behind")[0] == "OK"
    append_all(setup, "Behind")
    first = connect(server, "Behind")
    assert thread(first, "REFERENCES") == b"((7)(8))(1 3 5)(2 (4)(6))"
    reply = b"Message-ID: <r3@example.jp>\r\nIn-Reply-To: <r2@example.jp>\r\n\r\nx\r\n"
    assert setup.append("Behind", None, None, reply)[0] == "OK"
    assert setup.select("Behind")[0] == "OK"
    assert setup.store("2", "+FLAGS", "\\Deleted")[0] == "OK"
    assert setup.expunge()[0] == "OK"
    # not yet told: its own numbering, without the new message, the expunged one
    # without its keys (as Dovecot threads it) but its INTERNALDATE
    assert thread(first, "REFERENCES") == b"((7)(8))(1 3 5)((4)(6))(2)"
    assert first.noop()[0] == "OK"
    # 4 has lost its parent: it and 6, two replies with one subject, share a dummy
    assert thread(setup, "REFERENCES") == b"((6)(7))(1 2 4 8)((3)(5))"
    assert thread(first, "REFERENCES") == b"((6)(7))(1 2 4 8)((3)(5))"
    assert uid_thread(first, "REFERENCES") == b"((7)(8))(1 3 5 9)((4)(6))"
    first.logout()
    setup.logout()


def raw_session(server: HatoProcess, *lines: str) -> list[bytes]:
    return raw_imap_session(server.ports["imap"], "alice alice-pw", *lines)


def test_bad_input(server: HatoProcess) -> None:
    lines = raw_session(
        server,
        "n THREAD REFERENCES UTF-8 ALL",
        "s SELECT INBOX",
        "k THREAD FROB UTF-8 ALL",
        "c THREAD REFERENCES KOI8-R ALL",
        "m THREAD REFERENCES UTF-8",
        "p THREAD REFERENCES",
        "q THREAD (REFERENCES) UTF-8 ALL",
        "x THREAD REFS UTF-8 ALL",
        "y UID THREAD ORDEREDSUBJECT UTF-8 NOT ALL",
    )
    assert tagged_answer(lines, "n").startswith(b"n BAD")  # not selected
    unknown = tagged_answer(lines, "k")  # Dovecot's answer
    assert unknown.startswith(b"k BAD ") and unknown.endswith(b"Unknown thread algorithm.")
    known = b"c NO [BADCHARSET (UTF-8 US-ASCII ISO-2022-JP SHIFT_JIS EUC-JP)]"
    assert tagged_answer(lines, "c").startswith(known)
    for tag in "mpq":
        assert tagged_answer(lines, tag).startswith(tag.encode() + b" BAD"), tag
    assert b"* THREAD (2 4)(1 3 5)((7)(8))(6)" in lines
    assert tagged_answer(lines, "x") == b"x OK Thread completed."
    assert b"* THREAD" in lines  # nothing matched: no lists
    assert tagged_answer(lines, "y") == b"y OK Thread completed."
    assert sum(line.startswith(b"* THREAD") for line in lines) == 2
