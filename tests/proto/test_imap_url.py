"""IMAP URLs (RFC 5092) as CATENATE takes them: hato.proto.imap.parse_imap_url."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hato.proto.imap import ImapUrl, Section, UrlAuth, UrlError, parse_imap_url


def test_the_relative_and_the_absolute_forms() -> None:
    assert parse_imap_url("/inbox/;uid=20") == ImapUrl("INBOX", 20)
    assert parse_imap_url(
        "imap://alice;AUTH=*@mail.test:143/Lab%20%E6%97%A5%E6%9C%AC;UIDVALIDITY=7/;UID=3"
        "/;SECTION=1.2.MIME/;PARTIAL=5"
    ) == ImapUrl("Lab 日本", 3, 7, Section((1, 2), "MIME"), (5, None), "alice")
    found = parse_imap_url("/Drafts/;UID=1/;section=HEADER.FIELDS%20(SUBJECT)/;partial=0.9")
    assert found.section == Section((), "HEADER.FIELDS", ("SUBJECT",))
    assert found.partial == (0, 9)


@pytest.mark.parametrize(
    "url",
    [
        "", "INBOX/;UID=1", "/INBOX", "/INBOX/;UID=", "/INBOX/;UID=0", "/INBOX/;UID=4294967296",
        "/INBOX/;UID=1/;UID=2", "/INBOX;UIDNEXT=1/;UID=1", "/INBOX/;UID=1/;EXPIRE=2030-01-01",
        "/INBOX/;UID=1/;URLAUTH=anonymous:internal:0", "/INBOX/;UID=1/;SECTION=0",
        "/INBOX/;UID=1/;PARTIAL=1.0", "/INBOX/;UID=1/;PARTIAL=x", "/%FF/;UID=1", "//;UID=1",
        "/INBOX/;UID=1" + "/;X=1" * 2000, "/IN\u00e9BOX/;UID=1",
    ],
)  # fmt: skip
def test_what_is_not_such_a_url_is_refused(url: str) -> None:
    with pytest.raises(UrlError):
        parse_imap_url(url)


def test_urlauth_parts_and_the_rump() -> None:
    token = "0123456789abcdef" * 2
    url = f"imap://joe@mail.test/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:{token}"
    found = parse_imap_url(url)
    assert (found.mailbox, found.uid, found.section, found.user) == (
        "INBOX", 20, Section((1, 2)), "joe"
    )  # fmt: skip
    assert found.urlauth == UrlAuth(
        url[: url.index(":internal")], "submit", "fred", None, "INTERNAL", token
    )
    rump = "imap://joe@mail.test/INBOX/;uid=20;EXPIRE=2030-01-02T03:04:05Z;URLAUTH=authuser"
    assert parse_imap_url(rump).urlauth == UrlAuth(
        rump, "authuser", None, datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
