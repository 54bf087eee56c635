"""CATENATE (RFC 4469) with URL-PARTIAL (RFC 5550) against a real `hato serve`, over raw
sockets: what imaptest's catenate scripts do not try (tests/e2e/test_imap_imaptest.py runs
those): other users' mailboxes, URLs that are not URLs, the APPEND limit, many parts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw, logged_in

HEAD = b"Subject: x\r\n\r\n"
LIMIT = 4096  # [limits] message_size: APPENDLIMIT
MESSAGE = b"From: carol@remote.example\r\nSubject: stored\r\n\r\n" + b"x" * 1000 + b"\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("catenate") / "data"
    process = HatoProcess(
        data, services=("imap",), extra_config=f"[limits]\nmessage_size = {LIMIT}\n"
    )
    for user in ("alice", "bob"):
        process.add_user(user, f"{user}-pw")
    process.start()
    for user in ("alice", "bob"):
        raw = logged_in(process.ports["imap"], user)
        raw.send(b"a APPEND INBOX {%d+}\r\n%s\r\n" % (len(MESSAGE), MESSAGE))
        assert raw.line().startswith("a OK [APPENDUID ")
        assert raw.command("c CREATE Private")[-1].startswith("c OK")
        raw.close()
    yield process
    assert process.stop() == 0


def catenate(raw: Raw, parts: str) -> str:
    """APPEND to Drafts made of ``parts`` (literals written as {n+}); the tagged line."""
    return raw.command(f"a APPEND Drafts CATENATE ({parts})")[-1]


def text(data: bytes) -> str:
    return f"TEXT {{{len(data)}+}}\r\n{data.decode()}"


def test_catenate_and_url_partial_are_advertised(alice: Raw) -> None:
    words = alice.command("c CAPABILITY")[0].split()
    assert {"CATENATE", "URL-PARTIAL"} <= set(words)


def test_a_message_is_joined_from_text_a_section_and_a_range(alice: Raw) -> None:
    head = b"From: alice@example.org\r\nSubject: forwarded\r\n\r\n"
    parts = f'{text(head)} URL "/INBOX/;UID=1/;SECTION=TEXT/;PARTIAL=0.10" {text(b"!")}'
    assert catenate(alice, parts).startswith("a OK [APPENDUID ")
    alice.command("s SELECT Drafts")
    fetched = alice.command("f FETCH * BODY.PEEK[]")
    assert fetched[0].endswith(f"{{{len(head) + 11}}}")
    assert fetched[1:5] == ["From: alice@example.org", "Subject: forwarded", "", "xxxxxxxxxx!)"]


def drafts(raw: Raw) -> str:
    return raw.command("s STATUS Drafts (MESSAGES)")[0]


def test_urls_that_resolve_to_nothing_here_are_badurl_and_nothing_is_stored(
    alice: Raw,
) -> None:
    before = drafts(alice)
    bad = [
        "/INBOX/;UID=99",  # no such message
        "/INBOX;UIDVALIDITY=1/;UID=1",  # another UIDVALIDITY
        "/Nowhere/;UID=1",  # no such mailbox
        "imap://bob@mail.test/INBOX/;UID=1",  # bob's: as if it were not there
        "/INBOX/;UID=1/;URLAUTH=submit+bob:internal:91354a473744909de610943775f92038",
        "/INBOX/;UID=0",
        "/INBOX/;UID=1/;SECTION=NOT.A.SECTION",
        "/INBOX/;UID=1/;UID=1",
        "INBOX/;UID=1",
        "/" + "a" * 5000 + "/;UID=1",
    ]
    for url in bad:
        answer = catenate(alice, f'{text(HEAD)} URL "{url}"')
        assert answer.startswith("a NO [BADURL "), (url, answer)
    assert drafts(alice) == before
    assert alice.command("n NOOP")[-1].startswith("n OK")


def test_the_append_limit_holds_the_join_and_parts_are_bounded(alice: Raw) -> None:
    before = drafts(alice)
    five = " ".join(['URL "/INBOX/;UID=1"'] * 5)  # five times 1,047 octets: over 4,096
    assert catenate(alice, five).startswith("a NO [TOOBIG]")
    many = " ".join(['URL "/INBOX/;UID=1/;PARTIAL=0.1"'] * 51)
    assert catenate(alice, many).startswith("a BAD")
    assert catenate(alice, "").startswith("a BAD")
    assert catenate(alice, 'NOTE "x"').startswith("a BAD")
    assert drafts(alice) == before
    assert alice.command("n NOOP")[-1].startswith("n OK")
