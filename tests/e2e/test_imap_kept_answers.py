"""FETCH ENVELOPE and BODYSTRUCTURE kept as IMAP sent them (hato.imap.fetch_items), against
a real `hato serve` and its SQLite file: made and kept by the first FETCH, copied by the
next ones, the same octets either way; never kept for a body whose header is in UTF-8,
whose answers depend on the session (UTF8=ACCEPT, RFC 6855)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess, store_url
from tests.e2e.test_imap import Raw

ASCII = (  # its subject Japanese in RFC 2047's encoded words: ASCII on the wire
    "From: Carol <carol@remote.example>\r\nTo: alice@example.org\r\n"
    "Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n"
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    '--b\r\nContent-Type: application/pdf; name="a.pdf"\r\n'
    "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n"
)
UTF8 = "From: Zoë <zoe@remote.example>\r\nSubject: Grüße\r\n\r\nhallo\r\n"
ITEMS = "(ENVELOPE BODYSTRUCTURE)"


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("kept") / "data"
    if store_url(data) is not None:
        pytest.skip("reads the SQLite file")
    process = HatoProcess(data, services=("imap",))
    process.add_user("alice", "alice-pw")
    process.start()
    yield process
    assert process.stop() == 0


def _session(server: HatoProcess, utf8: bool = False) -> Raw:
    client = Raw(server.ports["imap"])
    assert client.command("l LOGIN alice alice-pw")[-1].startswith("l OK")
    if utf8:
        assert client.command("e ENABLE UTF8=ACCEPT")[-1].startswith("e OK")
    assert client.command("s SELECT INBOX")[-1].startswith("s OK")
    return client


def _append(client: Raw, message: str) -> None:
    data = message.encode()
    client.send(b"a APPEND INBOX {%d+}\r\n" % len(data) + data + b"\r\n")
    while not (line := client.line()).startswith("a "):
        assert line.startswith("* ")  # EXISTS, RECENT: the mailbox is selected
    assert line.startswith("a OK")


def _fetched(lines: list[str]) -> str:
    (found,) = [line for line in lines if line.startswith("* 1 FETCH ")]
    return found


def _kept(data_dir: Path) -> list[tuple[str | None, str | None]]:
    with sqlite3.connect(data_dir / "hato.sqlite3") as db:
        query = (
            "SELECT b.envelope_imap, b.bodystructure_imap FROM messages m "
            "JOIN blob_meta b ON b.blob_id = m.blob_id ORDER BY m.uid"
        )
        return list(db.execute(query))


def _kept_soon(data_dir: Path, index: int = 0) -> list[tuple[str | None, str | None]]:
    """What the SQLite file keeps once the answers of message ``index`` are in (a FETCH
    keeps them after its tagged reply)."""
    deadline = time.monotonic() + 10
    while (kept := _kept(data_dir))[index][0] is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return kept


def test_the_first_fetch_keeps_the_answers_and_the_next_ones_copy_them(
    server: HatoProcess,
) -> None:
    client = _session(server)
    _append(client, ASCII)
    _append(client, UTF8)
    assert _kept(server.data_dir) == [(None, None), (None, None)]
    made = client.command(f"f FETCH 1:2 {ITEMS}")
    kept = _kept_soon(server.data_dir)
    envelope, structure = kept[0]
    assert envelope is not None and structure is not None
    assert made[0] == f"* 1 FETCH (ENVELOPE {envelope} BODYSTRUCTURE {structure})"
    assert kept[1] == (None, None)  # UTF-8 in its header: the session's own answers
    assert client.command(f"g FETCH 1:2 {ITEMS}") == [*made[:2], "g OK Fetch completed."]

    # a FETCH copies what the body keeps, the ENVELOPE alone too
    with sqlite3.connect(server.data_dir / "hato.sqlite3") as db:
        db.execute("UPDATE blob_meta SET envelope_imap = '(\"kept\")'")
    assert client.command("h FETCH 1 (ENVELOPE)")[0] == '* 1 FETCH (ENVELOPE ("kept"))'
    client.close()


def test_a_body_with_utf8_is_answered_for_each_session(server: HatoProcess) -> None:
    legacy, utf8 = _session(server), _session(server, utf8=True)
    _append(legacy, UTF8)
    _append(legacy, ASCII)
    assert utf8.command("n NOOP")[0] == "* 2 EXISTS"  # the other session's appends
    for _ in range(2):  # the second time as the first: nothing of it was kept
        old = _fetched(legacy.command("f FETCH 1 (ENVELOPE)"))
        new = _fetched(utf8.command("f FETCH 1 (ENVELOPE)"))
        assert "=?utf-8?" in old and "=?utf-8?" not in new  # downgraded, and not (RFC 6858)
    legacy.command(f"k FETCH 2 {ITEMS}")  # once this one's are kept, the other's would be
    assert _kept_soon(server.data_dir, 1)[0] == (None, None)
    legacy.close()
    utf8.close()
