"""BURL (RFC 4468) on submission, end to end: a draft stored over IMAP is sent by
smtplib with ``BURL imap://...;URLAUTH=submit+alice:INTERNAL:...`` and arrives; what
BURL must refuse is refused with RFC 4468's codes, and the session goes on."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess, inbox_messages
from tests.e2e.test_imap import Raw, logged_in
from tests.e2e.test_smtp import tls_client_context

LIMIT = 4096
DRAFT = (
    b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: the draft\r\n"
    b"\r\nBob-san, the minutes.\r\n"
)
BIG = b"Subject: big\r\n\r\n" + b"y" * 2500 + b"\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(
        tmp_path_factory.mktemp("burl") / "data",
        services=("imap", "submission"),
        extra_config=f"[limits]\nmessage_size = {LIMIT}\n",
    ).add_users("alice", "bob")
    process.start()
    raw = logged_in(process.ports["imap"], "alice")
    for message in (DRAFT, BIG):
        raw.send(b"a APPEND Drafts {%d+}\r\n%s\r\n" % (len(message), message))
        assert raw.line().startswith("a OK [APPENDUID ")
    raw.close()
    yield process
    assert process.stop() == 0


def url_for(server: HatoProcess, path: str, access: str = "submit+alice") -> str:
    """alice's GENURLAUTH of her Drafts' ``path`` (``;uid=1``...) for ``access``."""
    raw: Raw = logged_in(server.ports["imap"], "alice")
    rump = f"imap://alice@mail.test/Drafts/{path};urlauth={access}"
    lines = raw.command(f'g GENURLAUTH "{rump}" INTERNAL')
    raw.close()
    assert lines[-1].startswith("g OK"), lines
    return lines[0].split('"')[1]


@pytest.fixture
def smtp(server: HatoProcess) -> Iterator[smtplib.SMTP]:
    client = smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=10)
    client.starttls(context=tls_client_context())
    client.login("alice", "alice-pw")
    yield client
    client.quit()


def begin(smtp: smtplib.SMTP, sender: str = "alice@example.org") -> None:
    assert smtp.mail(sender)[0] == 250
    assert smtp.rcpt("bob@example.org")[0] == 250


def test_burl_imap_is_advertised(smtp: smtplib.SMTP) -> None:
    smtp.ehlo()
    assert smtp.esmtp_features.get("burl") == "imap"


def test_a_stored_draft_is_sent_by_burl(server: HatoProcess, smtp: smtplib.SMTP) -> None:
    before = len(inbox_messages(server.data_dir, "bob"))
    begin(smtp)
    code, text = smtp.docmd("BURL", url_for(server, ";uid=1") + " LAST")
    assert (code, text[:6]) == (250, b"2.0.0 "), text
    arrived = inbox_messages(server.data_dir, "bob")
    assert len(arrived) == before + 1
    assert arrived[-1].endswith(DRAFT.split(b"\r\n\r\n", 1)[1])
    assert b"Subject: the draft" in arrived[-1]


def test_pieces_are_joined_until_last(server: HatoProcess, smtp: smtplib.SMTP) -> None:
    begin(smtp)
    header = url_for(server, ";uid=1/;section=HEADER")
    assert smtp.docmd("BURL", header) == (250, b"2.5.0 Waiting for additional BURL")
    assert smtp.docmd("DATA")[0] == 503  # not mixed with BURL's pieces
    assert smtp.docmd("BURL", url_for(server, ";uid=1/;section=TEXT") + " LAST")[0] == 250
    assert inbox_messages(server.data_dir, "bob")[-1].endswith(b"\r\nBob-san, the minutes.\r\n")


@pytest.mark.parametrize("access", ["user+alice", "submit+bob"])
def test_a_url_not_for_this_submission_is_554(
    server: HatoProcess, smtp: smtplib.SMTP, access: str
) -> None:
    begin(smtp)
    code, text = smtp.docmd("BURL", url_for(server, ";uid=1", access) + " LAST")
    assert (code, text) == (554, b"5.6.6 IMAP URL resolution failed")
    assert smtp.docmd("BURL", "imap://alice@mail.test/Drafts/;uid=1 LAST")[0] == 503  # RCPT again
    begin(smtp)
    assert smtp.docmd("BURL", "not-a-url LAST")[0] == 554
    assert smtp.noop()[0] == 250


def test_another_account_cannot_send_alices_submit_url(server: HatoProcess) -> None:
    url = url_for(server, ";uid=1")
    client = smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=10)
    client.starttls(context=tls_client_context())
    client.login("bob", "bob-pw")
    begin(client, "bob@example.org")
    assert client.docmd("BURL", url + " LAST")[0] == 554
    client.quit()


def test_burl_past_the_size_limit_is_552(server: HatoProcess, smtp: smtplib.SMTP) -> None:
    big = url_for(server, ";uid=2")
    begin(smtp)
    assert smtp.docmd("BURL", big)[0] == 250
    too_big = (552, b"5.3.4 Error: message too big for system")
    assert smtp.docmd("BURL", big + " LAST") == too_big
    assert smtp.noop()[0] == 250


@pytest.mark.parametrize("arguments", ["", "a b", "a LAST more", "a FIRST"])
def test_malformed_burl_is_501(smtp: smtplib.SMTP, arguments: str) -> None:
    begin(smtp)
    assert smtp.docmd("BURL", arguments)[0] == 501
    assert smtp.rset()[0] == 250


def test_burl_before_rcpt_is_503(server: HatoProcess, smtp: smtplib.SMTP) -> None:
    assert smtp.docmd("BURL", url_for(server, ";uid=1") + " LAST")[0] == 503
