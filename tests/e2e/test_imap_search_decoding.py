"""SEARCH BODY/TEXT over imaplib against a real `hato serve`: text parts are matched
with their Content-Transfer-Encoding and charset undone (RFC 3501 §6.4.4)."""

from __future__ import annotations

import base64
import imaplib
import smtplib
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess

JAPANESE = (
    b"From: Carol <carol@remote.example>\r\n"
    b"To: Alice <alice@example.org>\r\n"
    b"Subject: =?ISO-2022-JP?B?" + base64.b64encode("お知らせ".encode("iso2022_jp")) + b"?=\r\n"
    b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
    b"Content-Transfer-Encoding: 7bit\r\n"
    b"\r\n" + "明日の会議は十時からです。\r\n".encode("iso2022_jp")
)

MIXED = (
    b"From: Carol <carol@remote.example>\r\n"
    b"To: Alice <alice@example.org>\r\n"
    b"Subject: report\r\n"
    b"Date: Mon, 01 Jan 2024 11:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="sep"\r\n'
    b"\r\n"
    b"--sep\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.b64encode("Die Größe ist übermäßig.".encode()) + b"\r\n"
    b"--sep\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.b64encode(b"\x00\x01zebracode\xff") + b"\r\n"
    b"--sep--\r\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("imap-search") / "data"
    process = HatoProcess(data, services=("smtp", "imap"))
    process.add_user("alice", "alice-pw")
    process.start()
    with smtplib.SMTP("127.0.0.1", process.ports["smtp"], timeout=10) as smtp:
        for message in (JAPANESE, MIXED):
            smtp.sendmail("carol@remote.example", ["alice@example.org"], message)
    yield process
    assert process.stop() == 0


@pytest.fixture
def imap(server: HatoProcess) -> Iterator[imaplib.IMAP4]:
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    client.login("alice", "alice-pw")
    assert client.select("INBOX") == ("OK", [b"2"])
    yield client
    client.logout()


def search(imap: imaplib.IMAP4, key: str, value: str) -> list[bytes]:
    """SEARCH CHARSET UTF-8 <key> {n}<value>, the string sent as a literal."""
    imap.literal = value.encode()  # type: ignore[attr-defined]
    typ, data = imap.search(None, "CHARSET", "UTF-8", key)
    assert typ == "OK"
    return data[0].split()


def test_body_matches_decoded_japanese(imap: imaplib.IMAP4) -> None:
    assert search(imap, "BODY", "会議は十時") == [b"1"]
    assert search(imap, "BODY", "お知らせ") == []  # the subject is header, not body
    assert search(imap, "TEXT", "お知らせ") == [b"1"]
    assert search(imap, "TEXT", "十時から") == [b"1"]


def test_body_matches_base64_utf8_case_insensitively(imap: imaplib.IMAP4) -> None:
    assert search(imap, "BODY", "GRÖSSE") == [b"2"]  # casefold: ß is ss
    assert search(imap, "BODY", "größe IST ÜBERMÄSSIG") == [b"2"]
    assert search(imap, "TEXT", "übermäßig") == [b"2"]


def test_binary_attachment_and_encoded_form_not_matched(imap: imaplib.IMAP4) -> None:
    assert search(imap, "BODY", "zebracode") == []
    assert search(imap, "TEXT", "zebracode") == []
    encoded = base64.b64encode("Die Größe".encode()).decode()[:8]
    assert search(imap, "BODY", encoded) == []


def test_plain_ascii_search_still_works(imap: imaplib.IMAP4) -> None:
    assert imap.search(None, "BODY", "Gr") == ("OK", [b"2"])
    assert imap.search(None, "TEXT", "report") == ("OK", [b"2"])
    assert imap.search(None, "CHARSET", "UTF-8", "TEXT", "carol") == ("OK", [b"1 2"])
