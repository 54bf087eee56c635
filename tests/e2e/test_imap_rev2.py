"""IMAP4rev2 (RFC 9051) beside IMAP4rev1 against a real `hato serve`, over raw sockets.

Both are advertised; `ENABLE IMAP4rev2` (Appendix A) switches one session's rules, each
tested beside an IMAP4rev1 session on the same mailbox: no \\Recent and no RECENT
(Appendix E), SELECT's LIST line and no [UNSEEN] (§6.3.2), ESEARCH answers to SEARCH
(§6.4.4), UTF-8 mailbox names (§5.1), STATUS DELETED and SIZE (§6.3.11), and what a
session enabled ends with its login.  Runs on PostgreSQL too
(tests/e2e/test_protocols_postgresql.py).
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw, created

USER, PASSWORD = "nova", "nova-pw"
MESSAGE = b"From: a@example.net\r\nSubject: rev2\r\n\r\nhello\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("rev2") / "data"
    process = HatoProcess(data, services=("imap", "smtp"))
    process.add_user(USER, PASSWORD)
    process.start()
    yield process
    assert process.stop() == 0


def _login(server: HatoProcess, rev2: bool) -> Raw:
    raw = Raw(server.ports["imap"])
    assert raw.command(f"a LOGIN {USER} {PASSWORD}")[-1].startswith("a OK")
    if rev2:
        assert raw.command("e ENABLE IMAP4rev2") == ["* ENABLED IMAP4rev2", "e OK Enabled."]
    return raw


@pytest.fixture
def rev2(server: HatoProcess) -> Iterator[Raw]:
    raw = _login(server, rev2=True)
    yield raw
    raw.close()


@pytest.fixture
def rev1(server: HatoProcess) -> Iterator[Raw]:
    raw = _login(server, rev2=False)
    yield raw
    raw.close()


def _deliver(server: HatoProcess) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("a@example.net", [f"{USER}@example.org"], MESSAGE)


def _box(raw: Raw, name: str) -> None:
    assert re.fullmatch(created(), raw.command(f"c CREATE {name}")[-1])
    raw.send(b"a APPEND %s {%d+}\r\n%s\r\n" % (name.encode(), len(MESSAGE), MESSAGE))
    assert raw.line().startswith("a OK [APPENDUID ")


def test_both_revisions_are_advertised(server: HatoProcess) -> None:
    raw = Raw(server.ports["imap"])
    assert raw.greeting.startswith("* OK [CAPABILITY IMAP4rev1 ")
    assert " IMAP4rev2 " in raw.greeting
    logged_in = raw.command(f"a LOGIN {USER} {PASSWORD}")[-1]
    assert logged_in.startswith("a OK [CAPABILITY IMAP4rev1 ")
    assert "IMAP4rev2" in logged_in.split()
    raw.close()


def test_select_has_no_recent_no_unseen_and_a_list_line(rev2: Raw, rev1: Raw) -> None:
    _box(rev2, "Fresh")
    selected = rev2.command("s SELECT Fresh")
    assert "* 1 EXISTS" in selected and '* LIST () "." "Fresh"' in selected
    assert not [line for line in selected if "RECENT" in line or "UNSEEN" in line]
    assert rev2.command("f FETCH 1 FLAGS")[0] == "* 1 FETCH (FLAGS ())"
    # the IMAP4rev1 session still claims \Recent: nothing was claimed by the rev2 one
    old = rev1.command("s SELECT Fresh")
    assert "* 1 RECENT" in old and "* OK [UNSEEN 1] First unseen." in old
    assert not [line for line in old if line.startswith("* LIST")]
    assert rev1.command("f FETCH 1 FLAGS")[0] == "* 1 FETCH (FLAGS (\\Recent))"


def test_enable_while_selected_drops_recent(server: HatoProcess, rev1: Raw) -> None:
    _box(rev1, "Late")
    assert "* 1 RECENT" in rev1.command("s SELECT Late")
    assert rev1.command("e ENABLE IMAP4rev2")[0] == "* ENABLED IMAP4rev2"
    assert rev1.command("f FETCH 1 FLAGS")[0] == "* 1 FETCH (FLAGS ())"
    rev1.send(b"a APPEND Late {%d+}\r\n%s\r\n" % (len(MESSAGE), MESSAGE))
    assert rev1.line() == "* 2 EXISTS\r\n"
    assert rev1.line().startswith("a OK [APPENDUID ")


def test_new_mail_is_exists_alone(server: HatoProcess, rev2: Raw) -> None:
    rev2.command("s SELECT INBOX")
    before = int(rev2.command("t STATUS INBOX (MESSAGES)")[0].split()[-1].rstrip(")"))
    _deliver(server)
    told = rev2.command("n NOOP")
    assert told == [f"* {before + 1} EXISTS", "n OK NOOP completed."]
    flags = rev2.command(f"f FETCH {before + 1} FLAGS")[0]
    assert flags == f"* {before + 1} FETCH (FLAGS ())"


def test_search_answers_esearch(rev2: Raw, rev1: Raw) -> None:
    _box(rev2, "Found")
    rev2.send(b"a APPEND Found (\\Flagged) {%d+}\r\n%s\r\n" % (len(MESSAGE), MESSAGE))
    assert rev2.line().startswith("a OK")
    rev2.command("s SELECT Found")
    assert rev2.command("s SEARCH ALL")[0] == '* ESEARCH (TAG "s") ALL 1:2'
    # unlike UTF8=ACCEPT, IMAP4rev2 keeps CHARSET (RFC 9051 §6.4.4)
    assert rev2.command("x SEARCH CHARSET UTF-8 ALL")[0] == '* ESEARCH (TAG "x") ALL 1:2'
    uid = rev2.command("u UID SEARCH FLAGGED")[0]
    assert uid.startswith('* ESEARCH (TAG "u") UID ALL ')
    assert rev2.command("n SEARCH DELETED") == ['* ESEARCH (TAG "n")', "n OK Search completed."]
    counted = rev2.command("c SEARCH RETURN (COUNT) ALL")[0]
    assert counted == '* ESEARCH (TAG "c") COUNT 2'
    rev1.command("s SELECT Found")
    assert rev1.command("s SEARCH ALL")[0] == "* SEARCH 1 2"


def test_names_are_utf8_and_status_has_deleted_and_size(rev2: Raw, rev1: Raw) -> None:
    rev2.send('c CREATE "Été"\r\n'.encode())
    assert rev2.line().startswith("c OK")
    rev2.send('l LIST "" "Ét*"\r\n'.encode())
    assert rev2.line().rstrip("\r\n") == '* LIST (\\HasNoChildren) "." "Été"'
    assert rev2.line().startswith("l OK")
    assert rev1.command('l LIST "" "&AMk-t*"')[0].endswith('"&AMk-t&AOk-"')
    rev2.send('t STATUS "Été" (MESSAGES DELETED SIZE)\r\n'.encode())
    assert rev2.line().rstrip("\r\n") == '* STATUS "Été" (MESSAGES 0 SIZE 0 DELETED 0)'


def test_unauthenticate_goes_back_to_rev1(rev2: Raw) -> None:
    assert rev2.command("u UNAUTHENTICATE")[-1] == "u OK Unauthenticate completed."
    assert rev2.command(f"a LOGIN {USER} {PASSWORD}")[-1].startswith("a OK")
    rev2.command("s SELECT INBOX")
    assert rev2.command("s SEARCH ALL")[0].startswith("* SEARCH")
