"""The newer IMAP extensions driven by the client libraries Python programs use, against a
real `hato serve`: IMAPClient for what it speaks (CONDSTORE, QRESYNC's ENABLE, OBJECTID,
SAVEDATE, PREVIEW, BINARY, QUOTA, UNSELECT, MOVE, IMAP4rev2's ENABLE), and imaplib's
extension hook (`xatom`, RFC 3501 §6.5's X-commands and any the server lists) for those
IMAPClient has no method for: METADATA, CATENATE, URLAUTH with URLAUTH=BINARY, NOTIFY
and MULTISEARCH. Each checks what the library hands its caller, parsed by the library.
The raw wire forms and the bad input are tested in each extension's own module."""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterator

import imapclient
import pytest

from tests.e2e.harness import HatoProcess, hato
from tests.e2e.test_imap import deliver

MIME = (
    b"From: carol@remote.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain\r\n\r\nthe text part\r\n"
    b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
    b"\r\nAAECAw==\r\n--b--\r\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("clients") / "data"
    process = HatoProcess(data, services=("smtp", "imap"))
    for user in ("ann", "ben", "cid"):
        process.add_user(user, f"{user}-pw")
    quota = hato("user", "quota", "ann", "--messages", "1000", data_dir=data)
    assert quota.returncode == 0, quota.stderr
    process.start()
    deliver(process, "ann", MIME)
    yield process
    assert process.stop() == 0


@pytest.fixture
def client(server: HatoProcess) -> Iterator[imapclient.IMAPClient]:
    with imapclient.IMAPClient("127.0.0.1", port=server.ports["imap"], ssl=False) as found:
        found.login("ann", "ann-pw")
        yield found


@pytest.fixture
def imap(server: HatoProcess) -> Iterator[imaplib.IMAP4]:
    found = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    found.login("ann", "ann-pw")
    yield found
    found.logout()


def test_condstore_and_qresync_through_imapclient(client: imapclient.IMAPClient) -> None:
    assert client.enable("CONDSTORE", "QRESYNC") == [b"CONDSTORE", b"QRESYNC"]
    selected = client.select_folder("INBOX")
    highest = selected[b"HIGHESTMODSEQ"]
    client.add_flags([1], [b"\\Flagged"])
    changed = client.fetch([1], ["FLAGS"], modifiers=[f"CHANGEDSINCE {highest}"])
    assert changed[1][b"MODSEQ"][0] > highest
    assert b"\\Flagged" in changed[1][b"FLAGS"]
    client.remove_flags([1], [b"\\Flagged"])


def test_objectid_savedate_preview_and_binary_through_imapclient(
    client: imapclient.IMAPClient,
) -> None:
    status = client.folder_status("INBOX", ["MESSAGES", "MAILBOXID"])
    assert status[b"MESSAGES"] == 1 and re.fullmatch(rb"F[0-9a-f]{24}", status[b"MAILBOXID"][0])
    client.select_folder("INBOX", readonly=True)
    items = ["EMAILID", "THREADID", "SAVEDATE", "PREVIEW", "BINARY.PEEK[1]", "BINARY.SIZE[2]"]
    got = client.fetch([1], items)[1]
    assert re.fullmatch(rb"M[0-9a-f]{24}", got[b"EMAILID"][0])
    assert got[b"THREADID"] is None
    assert re.fullmatch(rb"\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}", got[b"SAVEDATE"])
    assert got[b"PREVIEW"] == b"the text part"
    # IMAPClient reads no literal8 (``~{4}``): part 2, with its NULs, is left to imaplib
    assert got[b"BINARY[1]"] == b"the text part" and got[b"BINARY.SIZE[2]"] == 4


def test_quota_unselect_move_through_imapclient(client: imapclient.IMAPClient) -> None:
    roots, quotas = client.get_quota_root("INBOX")
    assert roots.mailbox == "INBOX" and roots.quota_roots == ["User quota"]
    assert [(q.resource, q.usage, q.limit) for q in quotas] == [("MESSAGE", 1, 1000)]
    client.create_folder("Moved")
    client.select_folder("INBOX")
    client.copy([1], "Moved")
    client.unselect_folder()
    client.select_folder("Moved")
    client.move([1], "INBOX")
    assert client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 2
    client.select_folder("INBOX")
    client.delete_messages([2])
    client.expunge()
    client.delete_folder("Moved")


def test_imap4rev2_through_imapclient(server: HatoProcess) -> None:
    with imapclient.IMAPClient("127.0.0.1", port=server.ports["imap"], ssl=False) as client:
        client.login("ben", "ben-pw")
        assert client.enable("IMAP4rev2") == [b"IMAP4rev2"]
        selected = client.select_folder("INBOX")
        assert b"RECENT" not in selected  # RFC 9051: no \Recent, no RECENT response
        assert selected[b"EXISTS"] == 0


def _data(imap: imaplib.IMAP4, name: str) -> list[bytes]:
    """The ``name`` responses imaplib kept, each whole: imaplib splits one with a literal
    into (text up to the literal, the literal) and the text after it."""
    typ, data = imap.response(name)
    assert typ == name, (typ, data)
    joined: list[bytes] = []
    for item in data:
        if isinstance(item, tuple):
            joined.append(b"".join(item))
        elif joined and joined[-1].endswith(b"}") is False and item == b")":
            joined[-1] += item
        elif item:
            joined.append(item)
    return joined


def test_metadata_through_imaplib(imap: imaplib.IMAP4) -> None:
    assert imap.xatom("SETMETADATA", "INBOX", '(/private/comment "from imaplib")')[0] == "OK"
    assert imap.xatom("GETMETADATA", "INBOX", "/private/comment")[0] == "OK"
    assert _data(imap, "METADATA") == [b'"INBOX" (/private/comment {12}from imaplib)']


def test_catenate_and_urlauth_through_imaplib(imap: imaplib.IMAP4) -> None:
    imap.select("INBOX")
    parts = 'CATENATE (URL "/INBOX/;uid=1/;section=HEADER" URL "/INBOX/;uid=1/;section=1")'
    typ, data = imap._simple_command("APPEND", "INBOX", parts)
    assert typ == "OK", data
    imap.select("INBOX")
    joined = imap.fetch("2", "(BODY.PEEK[TEXT])")[1][0]
    assert isinstance(joined, tuple) and joined[1] == b"the text part"
    rump = '"imap://ann@mail.test/INBOX/;uid=1/;section=2;urlauth=user+ann"'
    assert imap.xatom("GENURLAUTH", rump, "INTERNAL")[0] == "OK"
    url = _data(imap, "GENURLAUTH")[0].decode()
    assert url.startswith('"imap://ann@mail.test/INBOX/;uid=1/;section=2;urlauth=user+ann:')
    assert imap.xatom("URLFETCH", url)[0] == "OK"
    assert _data(imap, "URLFETCH") == [url.encode() + b" {8}AAECAw=="]
    assert imap.xatom("URLFETCH", f"({url} BINARY)")[0] == "OK"
    assert _data(imap, "URLFETCH") == [url.encode() + b" (BINARY ~{4}\x00\x01\x02\x03)"]
    imap.store("2", "+FLAGS", "(\\Deleted)")
    imap.expunge()


def test_notify_and_multisearch_through_imaplib(server: HatoProcess) -> None:
    imap = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    imap.login("cid", "cid-pw")
    imap.create("Archive")
    imap.select("INBOX")
    events = "(selected (MessageNew (UID) MessageExpunge)) (personal (MessageNew MessageExpunge))"
    assert imap.xatom("NOTIFY", "SET", events)[0] == "OK"
    deliver(server, "cid")
    told = [imap.readline() for _ in range(3)]  # unasked: EXISTS, RECENT, MessageNew's FETCH
    assert told == [b"* 1 EXISTS\r\n", b"* 1 RECENT\r\n", b"* 1 FETCH (UID 1)\r\n"]
    assert imap.xatom("NOTIFY", "NONE")[0] == "OK"
    assert imap.xatom("ESEARCH", "IN", "(personal)", "RETURN", "(COUNT)", "ALL")[0] == "OK"
    found = _data(imap, "ESEARCH")
    counts = {re.sub(rb".* MAILBOX (\S+) .*", rb"\1", line): line[-7:] for line in found}
    assert counts == {
        b'"Archive"': b"COUNT 0", b'"Drafts"': b"COUNT 0", b'"INBOX"': b"COUNT 1",
        b'"Sent"': b"COUNT 0", b'"Trash"': b"COUNT 0",
    }  # fmt: skip
    imap.logout()
