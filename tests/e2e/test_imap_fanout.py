"""Many clients in IDLE on one INBOX against a real `hato serve`, over raw sockets
(hato.imap.fanout): every client reads exactly the lines its own refresh would send
(EXISTS; RECENT before IMAP4rev2, \\Recent in one session only, RFC 3501 §2.3.2, RFC
9051 Appendix E), whatever it enabled (CONDSTORE, QRESYNC, IMAP4rev2) or however it
opened the mailbox (SELECT, EXAMINE); a client that reads nothing holds up neither the
delivery's 250 nor the others; and one that reads none of its output for the idle
timeout is disconnected, its unread output dropped with it.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw

MESSAGE = b"From: a@example.net\r\nSubject: fan-out\r\n\r\nhello\r\n"
CLIENTS = 200
FLOOD = 2000  # messages whose flag changes fill a client's buffers
ROUNDS = 4
KINDS = ("rev1", "rev2", "condstore", "qresync", "examine")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("fanout") / "data"
    limits = "[limits]\nconnections_per_address = 500\n"
    process = HatoProcess(data, services=("imap", "lmtp"), extra_config=limits)
    process.add_users("ida", "sam")
    process.start()
    yield process
    assert process.stop() == 0


def _deliver(server: HatoProcess, user: str) -> None:
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"], timeout=30) as lmtp:
        lmtp.sendmail("a@example.net", [f"{user}@example.org"], MESSAGE)


def _idling(server: HatoProcess, user: str, kind: str) -> Raw:
    raw = Raw(server.ports["imap"])
    assert raw.command(f"a LOGIN {user} {user}-pw")[-1].startswith("a OK")
    enable = {"rev2": "IMAP4rev2", "qresync": "QRESYNC"}.get(kind)
    if enable is not None:
        assert raw.command(f"e ENABLE {enable}")[-1] == "e OK Enabled."
    opening = {"condstore": "SELECT INBOX (CONDSTORE)", "examine": "EXAMINE INBOX"}
    assert raw.command(f"s {opening.get(kind, 'SELECT INBOX')}")[-1].startswith("s OK")
    raw.send(b"i IDLE\r\n")
    assert raw.line() == "+ idling\r\n"
    return raw


def _lines(raw: Raw, count: int) -> list[str]:
    return [raw.line().rstrip("\r\n") for _ in range(count)]


def test_every_idler_reads_exactly_its_lines(server: HatoProcess) -> None:
    _deliver(server, "ida")  # one message, claimed as \Recent by the first SELECT below
    kinds = [KINDS[number % len(KINDS)] for number in range(CLIENTS)]
    clients = [_idling(server, "ida", kind) for kind in kinds]
    recent = dict.fromkeys(range(CLIENTS), 0)
    recent[0] = 1
    for count in (2, 3):
        _deliver(server, "ida")
        for number, (raw, kind) in enumerate(zip(clients, kinds, strict=True)):
            if kind == "rev2":
                assert _lines(raw, 1) == [f"* {count} EXISTS"]
                continue
            exists, told = _lines(raw, 2)
            assert exists == f"* {count} EXISTS"
            assert told.startswith("* ") and told.endswith(" RECENT")
            now = int(told.split()[1])
            assert now in (recent[number], recent[number] + 1), (kind, told)
            recent[number] = now
        # each new message is \Recent in exactly one session, never an EXAMINE's
        assert sum(recent.values()) == count
        assert all(recent[n] == 0 for n, kind in enumerate(kinds) if kind == "examine")
    for number, raw in enumerate(clients):
        raw.send(b"DONE\r\n")
        assert raw.line() == "i OK Idle completed.\r\n"
        flags = raw.command("f FETCH 1:3 (FLAGS)")  # nothing untold comes before the answer
        assert len(flags) == 4 and flags[-1].startswith("f OK"), flags
        assert sum("\\Recent" in line for line in flags[:3]) == recent[number]
        raw.close()


def _slow_reader(server: HatoProcess, user: str) -> socket.socket:
    """A client that has read up to ``+ idling`` and reads nothing more, with a small
    receive buffer so that its output soon fills every buffer on the way."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", server.ports["imap"]))
    sock.sendall(f"a LOGIN {user} {user}-pw\r\ns SELECT INBOX\r\ni IDLE\r\n".encode())
    received = b""
    while not received.endswith(b"+ idling\r\n"):
        chunk = sock.recv(4096)
        assert chunk, received
        received += chunk
    return sock


def _seed(raw: Raw, messages: int) -> None:
    """``messages`` messages in INBOX by one MULTIAPPEND (RFC 3502)."""
    literal = b"{%d+}\r\n%s" % (len(MESSAGE), MESSAGE)
    raw.send(b"m APPEND INBOX " + b" ".join([literal] * messages) + b"\r\n")
    answer = raw.line()
    assert answer.startswith("m OK"), answer


def _flood(raw: Raw, rounds: int) -> None:
    """Keywords added to every message, ``rounds`` times: FETCH lines for every other
    session of the mailbox, megabytes of them for one that does not read (more than the
    kernel's buffers hold: up to 4 MB for a socket's output)."""
    for round_ in range(rounds):
        words = " ".join(f"k{round_}{n}" + "x" * 60 for n in range(5))
        answer = raw.command(f"f{round_} STORE 1:* +FLAGS.SILENT ({words})")
        assert answer[-1].startswith(f"f{round_} OK"), answer[-1]


def _until_exists(raw: Raw, count: int) -> list[str]:
    """The lines up to ``* count EXISTS``; flag changes before it, nothing else."""
    lines = []
    while (line := raw.line().rstrip("\r\n")) != f"* {count} EXISTS":
        assert line.startswith("* ") and (" FETCH (FLAGS (" in line or "FLAGS" in line), line
        lines.append(line)
    return lines


def test_a_client_that_reads_nothing_holds_up_no_one(server: HatoProcess) -> None:
    writer = Raw(server.ports["imap"])
    assert writer.command("a LOGIN sam sam-pw")[-1].startswith("a OK")
    _seed(writer, FLOOD)
    assert writer.command("s SELECT INBOX")[-1].startswith("s OK")
    slow = _slow_reader(server, "sam")
    reader = _idling(server, "sam", "rev2")
    _flood(writer, ROUNDS)
    _deliver(server, "sam")  # the 250 comes back while the slow client's output waits
    assert len(_until_exists(reader, FLOOD + 1)) >= FLOOD  # the reader was told it all
    writer.close()
    # the slow client, reading at last, finds everything in order, the new mail last
    received = b""
    slow.settimeout(10)
    while b"EXISTS\r\n" not in received or not received.endswith(b" RECENT\r\n"):
        chunk = slow.recv(65536)
        assert chunk, received[-200:]
        received += chunk
    told, _, rest = received.partition(b"* %d EXISTS\r\n" % (FLOOD + 1))
    assert rest in (b"* 0 RECENT\r\n", b"* 1 RECENT\r\n")
    assert told.count(b" FETCH (FLAGS (") >= FLOOD and told.endswith(b")\r\n")
    slow.sendall(b"DONE\r\n")
    assert slow.recv(4096) == b"i OK Idle completed.\r\n"
    slow.close()
    reader.close()


def test_output_not_read_for_the_idle_timeout_ends_the_session(tmp_path: Path) -> None:
    limits = "[limits]\nidle_timeout = 1\n"
    server = HatoProcess(tmp_path / "data", services=("imap", "lmtp"), extra_config=limits)
    server.add_users("tim")
    server.start()
    try:
        writer = Raw(server.ports["imap"])
        assert writer.command("a LOGIN tim tim-pw")[-1].startswith("a OK")
        _seed(writer, FLOOD)
        assert writer.command("s SELECT INBOX")[-1].startswith("s OK")
        slow = _slow_reader(server, "tim")
        _flood(writer, ROUNDS)
        writer.close()
        time.sleep(8)  # the idle timeout, then the 5 s the close waits for a flush
        slow.settimeout(10)
        with contextlib.suppress(ConnectionResetError):  # dropped: the rest, then the end
            while slow.recv(65536):
                pass
        slow.close()
    finally:
        assert server.stop() == 0
