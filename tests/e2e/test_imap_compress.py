"""COMPRESS=DEFLATE (RFC 4978) against a real `hato serve`: imaplib with a deflating
socket (tests/e2e/deflate_client.py) over IMAP, STARTTLS and IMAPS, and mbsync."""

from __future__ import annotations

import imaplib
import re
import shutil
import smtplib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.imap_deflate import DeflateIMAP4, DeflateIMAP4_SSL
from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import tls_context
from tests.e2e.test_imap_sync import MBSYNC

USER, PASSWORD = "zipper", "zipper-pw"
MESSAGE = (
    b"From: Carol <carol@remote.example>\r\n"
    b"To: Zipper <zipper@example.org>\r\n"
    b"Subject: compress me\r\n"
    b"Message-ID: <z1@remote.example>\r\n"
    b"\r\n" + b"the network layer sends each packet hop by hop\r\n" * 40
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("compress") / "data"
    process = HatoProcess(data, services=("smtp", "imap", "imaps"))
    process.add_user(USER, PASSWORD)
    process.start()
    yield process
    assert process.stop() == 0


def connect(server: HatoProcess) -> DeflateIMAP4:
    client = DeflateIMAP4("127.0.0.1", server.ports["imap"])
    client.login(USER, PASSWORD)
    return client


def deliver(server: HatoProcess, body: bytes = MESSAGE) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("carol@remote.example", [f"{USER}@example.org"], body)


def test_compress_is_advertised_after_login_only(server: HatoProcess) -> None:
    client = DeflateIMAP4("127.0.0.1", server.ports["imap"])
    assert "COMPRESS=DEFLATE" not in client.capabilities
    with pytest.raises(imaplib.IMAP4.error, match="Error in IMAP command received"):
        client.compress()  # BAD: RFC 4978 §5 makes it an authenticated-state command
    client.login(USER, PASSWORD)
    assert "COMPRESS=DEFLATE" in client.capability()[1][0].decode().split()
    client.logout()


def test_a_whole_session_runs_compressed(server: HatoProcess) -> None:
    client = connect(server)
    typ, data = client.compress()
    assert (typ, data) == ("OK", [b"DEFLATE active."])
    before = client.wire_in
    assert client.append("INBOX", "(\\Flagged)", None, MESSAGE)[0] == "OK"  # a literal, +
    assert client.select("INBOX")[0] == "OK"
    typ, fetched = client.fetch("1:*", "(FLAGS BODY.PEEK[])")
    assert typ == "OK"
    assert fetched[-1 if fetched[-1] != b")" else -2][1] == MESSAGE
    assert client.wire_in - before < client.plain_in  # the answers did arrive deflated
    assert client.logout()[0] == "BYE"


def test_compress_twice_is_refused_and_the_session_goes_on(server: HatoProcess) -> None:
    client = connect(server)
    assert client.compress()[0] == "OK"
    typ, data = client.compress()
    assert (typ, data) == ("NO", [b"[COMPRESSIONACTIVE] DEFLATE compression is already active."])
    assert client.noop()[0] == "OK"
    client.logout()


def test_an_unknown_algorithm_is_bad_and_nothing_changes(server: HatoProcess) -> None:
    client = connect(server)
    with pytest.raises(imaplib.IMAP4.error, match="Unknown compression algorithm: LZMA"):
        client._simple_command("COMPRESS", "LZMA")
    assert client.noop()[0] == "OK"  # still plain text
    assert client.compress()[0] == "OK"
    assert client.noop()[0] == "OK"
    client.logout()


def test_compress_over_starttls(server: HatoProcess) -> None:
    client = DeflateIMAP4("127.0.0.1", server.ports["imap"])
    client.starttls(tls_context())
    client.login(USER, PASSWORD)
    assert client.compress()[0] == "OK"
    assert client.select("INBOX")[0] == "OK"
    assert client.fetch("1", "(BODY.PEEK[HEADER])")[0] == "OK"
    client.logout()


def test_compress_over_imaps(server: HatoProcess) -> None:
    client = DeflateIMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=tls_context())
    client.login(USER, PASSWORD)
    assert client.compress()[0] == "OK"
    assert client.select("INBOX")[0] == "OK"
    assert client.fetch("1", "(BODY.PEEK[])")[0] == "OK"
    client.logout()


def test_idle_updates_arrive_flushed(server: HatoProcess) -> None:
    """Each response batch ends with a sync flush: an IDLE client sees EXISTS at once,
    without waiting for more output to fill a DEFLATE block."""
    client = connect(server)
    assert client.compress()[0] == "OK"
    exists = int(client.select("INBOX")[1][0])
    client.send(b"i1 IDLE\r\n")
    assert client.readline().startswith(b"+ ")
    deliver(server)
    assert client.readline() == b"* %d EXISTS\r\n" % (exists + 1)
    client.send(b"DONE\r\n")
    while not (line := client.readline()).startswith(b"i1 "):
        assert line.startswith(b"* ")
    assert line.startswith(b"i1 OK")
    client.logout()


def test_a_stream_that_does_not_inflate_closes_the_session(server: HatoProcess) -> None:
    client = connect(server)
    assert client.compress()[0] == "OK"
    client.send_raw(b"\xff" * 64)  # a reserved block type: not DEFLATE
    with pytest.raises(imaplib.IMAP4.abort):
        client.readline()
    client.shutdown()
    other = connect(server)  # the server goes on
    assert other.noop()[0] == "OK"
    other.logout()


def test_a_zip_bomb_is_read_a_chunk_at_a_time(tmp_path: Path) -> None:
    """256 MiB of one byte deflates to about 250 KiB, and one read of 64 KiB from the
    socket to some 64 MiB.  Inflated a read at a time, that would raise the server's
    peak memory by hundreds of megabytes; a chunk at a time, the overlong line is
    skipped as any other and the session goes on."""
    server = HatoProcess(tmp_path / "data", services=("imap",))
    server.add_user(USER, PASSWORD)
    server.start()
    try:
        client = connect(server)
        assert client.compress()[0] == "OK"
        peak_before = server.rss_kib("VmHWM")  # the login's argon2id check made it
        stream = client._compressor  # the bomb is a piece of the client's own stream
        block = b"a" * (1024 * 1024)
        bomb = [stream.compress(b"b1 NOOP "), *(stream.compress(block) for _ in range(256))]
        client.send_raw(b"".join(bomb))  # whole: each read of the server's inflates far
        client.send(b"\r\nb2 NOOP\r\n")
        lines = [client.readline() for _ in range(2)]
        assert lines[0].startswith(b"b1 BAD") and b"too large" in lines[0]
        assert lines[1].startswith(b"b2 OK")
        assert server.rss_kib("VmHWM") - peak_before < 32 * 1024
        client.logout()
    finally:
        assert server.stop() == 0


def test_full_fetch_bytes_on_the_wire(server: HatoProcess) -> None:
    """The bytes a full FETCH of the mailbox takes, with and without COMPRESS."""
    for index in range(20):
        deliver(server, MESSAGE.replace(b"z1@", b"z%d@" % (index + 100)))
    sizes = {}
    for compressed in (False, True):
        client = connect(server)
        if compressed:
            assert client.compress()[0] == "OK"
        client.select("INBOX", readonly=True)
        before = client.wire_in
        typ, _ = client.fetch("1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[])")
        assert typ == "OK"
        sizes[compressed] = client.wire_in - before
        client.logout()
    print(f"full FETCH on the wire: {sizes[False]} bytes plain, {sizes[True]} compressed")
    assert sizes[True] * 4 < sizes[False]


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="isync is not installed")
def test_mbsync_syncs_with_compression_on(server: HatoProcess, tmp_path: Path) -> None:
    deliver(server, MESSAGE.replace(b"compress me", b"for mbsync"))
    root = tmp_path / "mail"
    root.mkdir()
    config = tmp_path / "mbsyncrc"
    port = server.ports["imap"]
    config.write_text(MBSYNC.format(port=port, user=USER, password=PASSWORD, root=root))
    (root / "INBOX" / "new").mkdir(parents=True)
    (root / "INBOX" / "new" / "1700000000.up.host").write_bytes(
        MESSAGE.replace(b"compress me", b"written offline")
    )
    command = ["mbsync", "-D", "-c", str(config), "-a"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^F: \d+ OK DEFLATE active\.$", done.stdout, re.MULTILINE), done.stdout
    synced = [p.read_bytes() for p in (root / "INBOX").glob("*/*")]
    assert any(b"Subject: for mbsync" in message for message in synced)
    client = connect(server)
    client.select("INBOX", readonly=True)
    typ, found = client.search(None, "SUBJECT", '"written offline"')
    assert typ == "OK" and found[0]
    client.logout()
