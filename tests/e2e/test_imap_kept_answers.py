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
            "SELECT k.envelope, k.bodystructure FROM messages m "
            "LEFT JOIN kept_imap k ON k.blob_id = m.blob_id ORDER BY m.uid"
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
        db.execute("UPDATE kept_imap SET envelope = '(\"kept\")'")
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


THUNDERBIRD = (  # what Thunderbird asks of mail new to it
    "(UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date "
    "Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])"
)
THUNDERBIRD_KEY = (
    "bcc cc content-type date from in-reply-to message-id newsgroups priority "
    "references reply-to subject to x-priority"
)


def _kept_fields(data_dir: Path, names: str) -> dict[int, bytes]:
    with sqlite3.connect(data_dir / "hato.sqlite3") as db:
        rows = db.execute("SELECT uid, data FROM kept_fields WHERE names = ?", (names,))
        return {int(uid): bytes(data) for uid, data in rows}


def _kept_fields_soon(data_dir: Path, names: str, count: int) -> dict[int, bytes]:
    """The header fields kept under ``names`` once ``count`` messages have them (a FETCH
    keeps them after its tagged reply)."""
    deadline = time.monotonic() + 10
    while len(kept := _kept_fields(data_dir, names)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return kept


def _answer(client: Raw, command: str) -> list[str]:
    """The untagged lines and literal data of an answer, its tagged line checked."""
    lines = client.command(command)
    assert lines[-1].split(" ", 1)[1].startswith("OK"), lines[-1]
    return lines[:-1]


def test_header_fields_are_kept_and_the_next_fetch_copies_them(server: HatoProcess) -> None:
    client = _session(server)
    for _ in range(3):
        _append(client, ASCII)
    made = _answer(client, f"f FETCH 1:2 {THUNDERBIRD}")
    kept = _kept_fields_soon(server.data_dir, THUNDERBIRD_KEY, 2)
    assert sorted(kept) == [1, 2]
    assert kept[1].startswith(b"From: Carol <carol@remote.example>\r\nTo: alice@example.org\r\n")
    assert b"Content-Type: multipart/mixed" in kept[1] and kept[1].endswith(b"\r\n\r\n")
    # the same octets from what was kept, the list asked in another order and case
    again = _answer(client, f"g FETCH 1:2 {THUNDERBIRD}")
    assert again == made
    # message 3 kept nothing yet: its batch is answered the general way, and kept
    assert _answer(client, f"h FETCH 1:3 {THUNDERBIRD}")[: len(made)] == made
    assert sorted(_kept_fields_soon(server.data_dir, THUNDERBIRD_KEY, 3)) == [1, 2, 3]

    # what is kept is what is answered
    with sqlite3.connect(server.data_dir / "hato.sqlite3") as db:
        db.execute("UPDATE kept_fields SET data = ? WHERE uid = 1", (b"X-Kept: yes\r\n\r\n",))
    answer = _answer(client, "k FETCH 1 (UID BODY.PEEK[HEADER.FIELDS (subject FROM to)])")
    assert answer[1].startswith("From: Carol") and "X-Kept: yes" not in answer  # picked
    answer = _answer(client, f"k FETCH 1 {THUNDERBIRD}")
    assert answer[0].endswith("{15}") and answer[1] == "X-Kept: yes"
    client.close()


def test_fields_not_kept_where_a_session_may_see_them_otherwise(server: HatoProcess) -> None:
    legacy, utf8 = _session(server), _session(server, utf8=True)
    _append(legacy, UTF8)
    _append(legacy, ASCII)
    assert utf8.command("n NOOP")[0] == "* 2 EXISTS"
    for _ in range(2):  # the second time as the first: nothing of message 1 was kept
        old = _answer(legacy, "f FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)])")
        new = _answer(utf8, "f FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)])")
        assert old[1].startswith("Subject: =?utf-8?") and new[1] == "Subject: Grüße"
    _answer(legacy, "p FETCH 2 (BODY.PEEK[HEADER.FIELDS (Subject)]<0.9>)")  # partial: not kept
    _answer(legacy, "q FETCH 2 (BODY.PEEK[HEADER.FIELDS (From)])")
    assert _kept_fields_soon(server.data_dir, "from", 1) == {
        2: b"From: Carol <carol@remote.example>\r\n\r\n"
    }
    assert _kept_fields(server.data_dir, "subject") == {}
    legacy.close()
    utf8.close()


PERCENT = '(BODY.PEEK[HEADER.FIELDS ("X-100%")])'  # a quoted name: "%" is no atom's


def test_a_name_with_a_percent_sign_and_the_not_form(server: HatoProcess) -> None:
    client = _session(server)
    _append(client, "X-100%: full\r\nSubject: s\r\n\r\nbody\r\n")
    for items in (PERCENT, PERCENT.replace("FIELDS", "FIELDS.NOT")):
        made = _answer(client, f"f FETCH 1 {items}")
        key = "x-100%" if ".NOT" not in items else "NOT x-100%"
        assert len(_kept_fields_soon(server.data_dir, key, 1)) == 1
        assert _answer(client, f"g FETCH 1 {items}") == made
    assert _answer(client, f"h FETCH 1 {PERCENT}")[1] == "X-100%: full"
    client.close()


def test_fields_without_peek_set_seen_once_then_come_from_what_was_kept(
    server: HatoProcess,
) -> None:
    client = _session(server)
    _append(client, ASCII)
    first = _answer(client, "f FETCH 1 (BODY[HEADER.FIELDS (From)])")
    assert first[0].startswith("* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[HEADER.FIELDS (FROM)]")
    _kept_fields_soon(server.data_dir, "from", 1)
    second = _answer(client, "g FETCH 1 (BODY[HEADER.FIELDS (From)])")
    assert second[0].startswith("* 1 FETCH (BODY[HEADER.FIELDS (FROM)] {")
    assert second[1:] == first[1:]
    client.close()
