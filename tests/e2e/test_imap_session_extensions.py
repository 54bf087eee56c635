"""The smaller IMAP extensions against a real `hato serve`, over raw sockets and imaplib:
UNAUTHENTICATE (RFC 8437), PREVIEW (RFC 8970), SAVEDATE (RFC 8514), REPLACE (RFC 8508)."""

from __future__ import annotations

import imaplib
import time
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw

MESSAGE = b"From: carol@remote.example\r\nSubject: kept\r\n\r\nbody\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("extensions") / "data"
    process = HatoProcess(data, services=("imap",))
    for user in ("alice", "bob"):
        process.add_user(user, f"{user}-pw")
    process.start()
    imap = imaplib.IMAP4("127.0.0.1", process.ports["imap"])
    imap.login("alice", "alice-pw")
    assert imap.append("INBOX", None, None, MESSAGE)[0] == "OK"
    imap.logout()
    yield process
    assert process.stop() == 0


@pytest.fixture
def raw(server: HatoProcess) -> Iterator[Raw]:
    client = Raw(server.ports["imap"])
    yield client
    client.close()


def _login(raw: Raw, user: str) -> None:
    assert raw.command(f"l LOGIN {user} {user}-pw")[-1].startswith("l OK")


def test_unauthenticate_is_advertised_after_login(raw: Raw) -> None:
    assert "UNAUTHENTICATE" not in raw.command("c CAPABILITY")[0].split()
    _login(raw, "alice")
    assert "UNAUTHENTICATE" in raw.command("c CAPABILITY")[0].split()


def test_unauthenticate_leaves_the_account_and_keeps_the_connection(raw: Raw) -> None:
    _login(raw, "alice")
    assert raw.command("e ENABLE CONDSTORE")[0] == "* ENABLED CONDSTORE"
    assert raw.command("s SELECT INBOX")[-1].startswith("s OK")
    assert raw.command("d STORE 1 +FLAGS.SILENT (\\Deleted)")[-1].startswith("d OK")
    assert raw.command("u UNAUTHENTICATE") == ["u OK Unauthenticate completed."]
    # not authenticated again: the login process's answers, the pre-login capabilities
    assert raw.command("f FETCH 1 FLAGS") == ["f BAD Error in IMAP command received by server."]
    assert "AUTH=PLAIN" in raw.command("c CAPABILITY")[0].split()
    assert raw.command("u UNAUTHENTICATE")[-1].startswith("u BAD")
    _login(raw, "bob")
    assert (
        raw.command("s SELECT INBOX")[0]
        == "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"
    )
    assert raw.command("n STATUS INBOX (MESSAGES)")[0] == "* STATUS INBOX (MESSAGES 0)"
    assert raw.command("u UNAUTHENTICATE")[-1] == "u OK Unauthenticate completed."
    _login(raw, "alice")
    assert raw.command("s SELECT INBOX")[-1].startswith("s OK")
    # nothing was expunged (as UNSELECT), and CONDSTORE is off until enabled again
    assert raw.command("f FETCH 1 FLAGS")[0] == "* 1 FETCH (FLAGS (\\Deleted))"
    assert raw.command("d STORE 1 -FLAGS.SILENT (\\Deleted)")[-1].startswith("d OK")


def test_unauthenticate_takes_no_arguments(raw: Raw) -> None:
    _login(raw, "alice")
    answer = raw.command("u UNAUTHENTICATE now")
    assert answer == ["u BAD Error in IMAP command UNAUTHENTICATE: Invalid arguments."]
    assert raw.command("z NOOP") == ["z OK NOOP completed."]


def test_preview_over_imaplib(server: HatoProcess) -> None:
    """PREVIEW (RFC 8970): the start of the text, in UTF-8, without setting \\Seen."""
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login("bob", "bob-pw")
    html = (
        b"From: carol@remote.example\r\nSubject: html\r\nContent-Type: text/html; "
        b"charset=utf-8\r\n\r\n<p>Gr\xc3\xbc\xc3\x9fe <b>aus</b></p><p>Kyoto</p>\r\n"
    )
    assert imap.append("INBOX", None, None, html)[0] == "OK"
    imap.select("INBOX")
    typ, data = imap.fetch("1", "(PREVIEW FLAGS)")
    assert typ == "OK"
    assert data[0] == (b"1 (FLAGS (\\Recent) PREVIEW {17}", "Grüße aus Kyoto".encode())
    assert imap.capability()[1][0].split().count(b"PREVIEW") == 1
    imap.logout()


def test_savedate_over_imaplib(server: HatoProcess) -> None:
    """SAVEDATE (RFC 8514): an APPEND with an old date is saved today."""
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    imap.login("alice", "alice-pw")
    imap.create("Dated")
    when = imaplib.Time2Internaldate(1_000_000_000)
    assert imap.append("Dated", None, when, MESSAGE)[0] == "OK"
    imap.select("Dated")
    today = time.strftime("%d-%b-%Y", time.gmtime())
    assert imap.search(None, "SAVEDON", today) == ("OK", [b"1"])
    assert imap.search(None, "SAVEDBEFORE", today) == ("OK", [b""])
    assert imap.search(None, "BEFORE", today) == ("OK", [b"1"])  # INTERNALDATE is old
    typ, data = imap.fetch("1", "(SAVEDATE)")
    assert typ == "OK" and f'SAVEDATE "{today}'.encode() in data[0]
    with pytest.raises(imaplib.IMAP4.error, match="SEARCH"):
        imap.search(None, "SAVEDON", "32-Jan-2020")
    imap.logout()


def _replace(raw: Raw, line: str, message: bytes) -> list[str]:
    """A REPLACE with a non-synchronizing literal (LITERAL+), its answer lines."""
    tag = line.split()[0]
    raw.send(f"{line} {{{len(message)}+}}\r\n".encode() + message + b"\r\n")
    lines = []
    while not (got := raw.line().rstrip("\r\n")).startswith(tag + " "):
        lines.append(got)
    return [*lines, got]


def test_replace_appends_then_expunges(raw: Raw) -> None:
    """REPLACE (RFC 8508 §3): within the mailbox, then into another one by UID."""
    _login(raw, "bob")
    raw.command("c CREATE Drafts")
    raw.command("c CREATE Sent")
    draft = b"Subject: draft %d\r\n\r\nversion %d\r\n"
    raw.send(b"a APPEND Drafts {%d+}\r\n" % len(draft % (1, 1)) + draft % (1, 1) + b"\r\n")
    assert raw.line().startswith("a OK [APPENDUID ")
    select = raw.command("s SELECT Drafts")
    validity = next(line for line in select if "UIDVALIDITY" in line).split()[3].rstrip("]")
    answer = _replace(raw, "r REPLACE 1 Drafts (\\Draft)", draft % (2, 2))
    assert answer == [
        f"* OK [APPENDUID {validity} 2] Replacement Message ID",
        "* 1 EXPUNGE",
        "* 1 EXISTS",
        "* 1 RECENT",
        "r OK Replace completed.",
    ]
    assert raw.command("f FETCH 1 (UID FLAGS)")[0] == "* 1 FETCH (UID 2 FLAGS (\\Draft \\Recent))"
    answer = _replace(raw, "u UID REPLACE 2 Sent", draft % (3, 3))
    assert answer[0].startswith("* OK [APPENDUID ") and answer[0].endswith(
        " 1] Replacement Message ID"
    )
    assert answer[1:] == ["* 1 EXPUNGE", "u OK Replace completed."]
    assert raw.command("n STATUS Sent (MESSAGES)")[0] == "* STATUS Sent (MESSAGES 1)"


def test_replace_refusals_keep_the_original(raw: Raw) -> None:
    _login(raw, "alice")
    raw.command("c CREATE Keep")
    raw.send(b"a APPEND Keep {6+}\r\n\r\nkept\r\n")
    assert raw.line().startswith("a OK")
    message = b"\r\nnew\r\n"
    assert _replace(raw, "r REPLACE 1 Keep", message) == ["r BAD No mailbox selected."]
    raw.command("s SELECT Keep")
    assert _replace(raw, "r REPLACE 2 Keep", message) == [
        "r BAD Error in IMAP command REPLACE: Invalid messageset"
    ]
    assert _replace(raw, "r UID REPLACE 99 Keep", message) == ["r NO Message doesn't exist."]
    assert _replace(raw, "r REPLACE 1 Nowhere", message) == [
        "r NO [TRYCREATE] Mailbox doesn't exist: Nowhere"
    ]
    assert _replace(raw, "r REPLACE 1 Keep", b"") == ["r NO Can't save a zero byte message."]
    raw.command("e EXAMINE Keep")
    assert _replace(raw, "r REPLACE 1 Keep", message) == ["r NO [READ-ONLY] Mailbox is read-only."]
    assert raw.command("n STATUS Keep (MESSAGES)")[0] == "* STATUS Keep (MESSAGES 1)"
    assert raw.command("r REPLACE 1 Keep")[-1].startswith("r BAD")
