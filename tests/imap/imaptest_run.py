"""Running imaptest scripts against a live server over plain sockets.

Setup as imaptest's test-exec.c does it: log in, delete and unsubscribe
`$mailbox*`, create the mailbox, append the mbox messages (each with the date
of its From_ line), select it on every connection.  Then each command group
is sent on its connection (pipelined), the replies read up to every tagged
line, and checked: the tagged status (prefix), every `*` line matched by some
reply (one reply may match several), no `!` line matched.  The other
connections are not read meanwhile, so what the server tells them waits for
their next group, as in imaptest.
"""

from __future__ import annotations

import contextlib
import re
import socket
from dataclasses import dataclass, field

from tests.imap.imaptest_script import MboxMessage

MAILBOX = "imaptest"


class Connection:
    def __init__(self, port: int, number: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.number = number
        self.tags = 0
        self.count = 0
        self.closed = False
        self.greeting = self.read_line()

    def read_line(self) -> str:
        """One response, literals included."""
        line = self.file.readline()
        if not line:
            self.closed = True
            raise ConnectionError("closed")
        while (found := re.search(rb"\{(\d+)\}\r\n$", line)) is not None:
            line += self.file.read(int(found.group(1)))
            line += self.file.readline()
        return line.decode("utf-8", "surrogateescape").rstrip("\r\n")

    def next_tag(self) -> str:
        self.tags += 1
        return f"{self.number}.{self.tags}"

    def send(self, text: str) -> str:
        tag = self.next_tag()
        self.sock.sendall(f"{tag} {text}\r\n".encode("utf-8", "surrogateescape"))
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
    conn.sock.sendall(head + message + b"\r\n")
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
