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
    assert search(imap, "BODY", "GRÖßE") == [b"2"]
    assert search(imap, "BODY", "GRÖSSE") == []  # RFC 5051's simple titlecase keeps ß
    assert search(imap, "BODY", "größe IST ÜBERMÄßIG") == [b"2"]
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


def answer(imap: imaplib.IMAP4, command: bytes, literal: bytes) -> tuple[str, list[bytes]]:
    """The tagged status and untagged SEARCH data of ``command`` ending in a literal."""
    imap.literal = literal  # type: ignore[attr-defined]
    name, _, args = command.partition(b" ")
    try:
        typ, data = imap._simple_command(name.decode(), args.decode("latin-1"))
    except imaplib.IMAP4.error as error:  # BAD
        return "BAD " + str(error), []
    found = imap._untagged_response(typ, data, "SEARCH")[1]
    return typ + " " + (data[-1] or b"").decode("utf-8", "replace"), found


@pytest.mark.parametrize(
    ("charset", "codec"),
    [("ISO-2022-JP", "iso2022_jp"), ("Shift_JIS", "shift_jis"), ("EUC-JP", "euc_jp")],
)
def test_japanese_search_charsets(imap: imaplib.IMAP4, charset: str, codec: str) -> None:
    """Older Japanese clients write the search string in their charset (RFC 3501
    §6.4.4): it is read in that charset."""
    for key, where, expected in (("会議", "BODY", b"1"), ("知らせ", "TEXT", b"1")):
        imap.literal = key.encode(codec)  # type: ignore[attr-defined]
        assert imap.search(None, "CHARSET", charset, where) == ("OK", [expected])


def test_unknown_charset_is_badcharset_even_with_bytes_not_utf8(imap: imaplib.IMAP4) -> None:
    typ, _ = answer(imap, b"SEARCH CHARSET KOI8-R BODY", "привет".encode("koi8-r"))
    assert typ.startswith("NO [BADCHARSET (UTF-8 US-ASCII ISO-2022-JP SHIFT_JIS EUC-JP)]")
    assert imap.search(None, "ALL") == ("OK", [b"1 2"])  # the session goes on


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("会", [b"1"]), ("十時", [b"1"]), ("議は", [b"1"]),  # shorter than a trigram
        ("%", []), ("_", []), ("*", []), ('%_*"', []), ('"*" OR "a"', []), ("ÜBERMÄ", [b"2"]),
        ("\\", []), ("x" * 10_000, []), ("e" * 3, []), ("ß", [b"2"]),
    ],
)  # fmt: skip
def test_hostile_and_short_keys(imap: imaplib.IMAP4, key: str, expected: list[bytes]) -> None:
    """Nothing in a key is read as SQL LIKE or FTS5 syntax, and keys shorter than the
    index's trigrams scan the stored text."""
    for where in ("BODY", "TEXT"):
        assert search(imap, where, key) == expected, where
    assert search(imap, "BODY", '"') == []
    assert search(imap, "TEXT", '"') == [b"2"]  # boundary="sep"


def test_nul_and_bad_utf8_are_refused_and_the_session_goes_on(imap: imaplib.IMAP4) -> None:
    typ, _ = answer(imap, b"SEARCH CHARSET UTF-8 BODY", b"\xff\xfe")
    assert typ.startswith("BAD") and "Invalid UTF-8" in typ
    typ, found = answer(imap, b"SEARCH CHARSET UTF-8 BODY", b"a\x00b")
    assert typ.startswith(("OK", "BAD")) and found in ([], [b""], [None])
    assert imap.search(None, "ALL") == ("OK", [b"1 2"])
