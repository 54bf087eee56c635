"""Running imaptest scripts against a live server over plain sockets.

Setup as imaptest's test-exec.c does it: log in, delete and unsubscribe
`$mailbox*`, create the mailbox, append the mbox messages (each with the date
of its From_ line), select it on every connection.  Then each command group
is sent on its connection (pipelined), the replies read up to every tagged
line, and checked: the tagged status (prefix), every `*` line matched by some
reply (one reply may match several), no `!` line matched.  The other
connections are not read meanwhile, so what the server tells them waits for
their next group, as in imaptest.  With ``compress``, every connection that logs in
turns on COMPRESS=DEFLATE (RFC 4978) first, and the scripts run over it.
"""

from __future__ import annotations

import contextlib
import re
import socket
import zlib
from dataclasses import dataclass, field
from typing import Any

from tests.imap.imaptest_script import MboxMessage

MAILBOX = "imaptest"


class Connection:
    def __init__(self, port: int, number: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.number = number
        self.tags = 0
        self.count = 0
        self.closed = False
        self._buffer = b""
        self._deflate: Any = None  # after COMPRESS: (compressor, decompressor)
        self.greeting = self.read_line()

    def compress(self) -> None:
        """COMPRESS DEFLATE (RFC 4978); both directions raw DEFLATE after its OK."""
        _, reply = self.run("COMPRESS DEFLATE")
        if reply.split()[1:2] != ["OK"]:
            raise ConnectionError(f"COMPRESS refused: {reply}")
        self._deflate = (zlib.compressobj(6, zlib.DEFLATED, -15), zlib.decompressobj(-15))

    def write(self, data: bytes) -> None:
        if self._deflate is not None:
            compressor = self._deflate[0]
            data = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            self.closed = True
            raise ConnectionError("closed")
        self._buffer += self._deflate[1].decompress(chunk) if self._deflate else chunk

    def _readline(self) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            self._fill()
        line, self._buffer = self._buffer[: end + 1], self._buffer[end + 1 :]
        return line

    def _read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def read_line(self) -> str:
        """One response, literals included."""
        line = self._readline()
        literal = False
        while (found := re.search(rb"\{(\d+)\}\r\n$", line)) is not None:
            literal = True
            line += self._read(int(found.group(1)))
            line += self._readline()
        text = line.decode("utf-8", "surrogateescape")
        # only the response's own CRLF: a literal at its end keeps the line ends it holds
        return text.removesuffix("\r\n") if literal else text.rstrip("\r\n")

    def next_tag(self) -> str:
        self.tags += 1
        return f"{self.number}.{self.tags}"

    def send(self, text: str) -> str:
        tag = self.next_tag()
        self.write(f"{tag} {text}\r\n".encode("utf-8", "surrogateescape"))
        return tag

    def run(self, text: str) -> tuple[list[str], str]:
        tag = self.send(text)
        untagged = []
        while True:
            line = self.read_line()
            if line.startswith(tag + " "):
                return untagged, line
            untagged.append(line)
            self.track(line)

    def track(self, line: str) -> None:
        found = re.match(r"\* (\d+) (EXISTS|EXPUNGE)", line, re.IGNORECASE)
        if found:
            number = int(found.group(1))
            self.count = number if found.group(2).upper() == "EXISTS" else self.count - 1

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class Source:
    """The mbox as imaptest's mailbox source: messages in turn, wrapping at the end."""

    def __init__(self, messages: list[MboxMessage]) -> None:
        self.messages = messages or [MboxMessage(b"Subject: x\r\n\r\nx\r\n", "")]
        self.next = 0

    def take(self) -> MboxMessage:
        message = self.messages[self.next % len(self.messages)]
        self.next += 1
        return message


def append_command(conn: Connection, args: str, message: bytes) -> str:
    """APPEND with a non-synchronizing literal (hato advertises LITERAL+)."""
    tag = conn.next_tag()
    head = f"{tag} APPEND {args} {{{len(message)}+}}\r\n".encode("utf-8", "surrogateescape")
    conn.write(head + message + b"\r\n")
    return tag


def _has_body(args: str) -> bool:
    return "{" in args or "catenate" in args.lower()


@dataclass
class Result:
    name: str
    groups: int = 0
    passed: int = 0
    commands: int = 0
    failed_commands: int = 0
    failures: list[str] = field(default_factory=list)
    skipped: str = ""
