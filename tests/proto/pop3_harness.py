"""A test double for the POP3 adapter: answers the core's requests from memory."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from hato.proto.pop3 import (
    CLOSED,
    NEED_DATA,
    CheckApop,
    CheckPassword,
    Commit,
    Event,
    FetchScramKeys,
    Pop3Connection,
    Reply,
    Retrieve,
    SaslResult,
    Scan,
    ScramKeys,
    Signal,
    StartTls,
)

MESSAGE_1 = (
    b"From: teacher@localhost\r\nTo: is_network@localhost\r\nSubject: welcome\r\n"
    b"Date: Fri, 27 Nov 2026 23:00:00 +0000\r\nMessage-ID: <welcome@localhost>\r\n"
    b"\r\n"
    b"Welcome to the lecture's POP3 lab. Try STAT, LIST, RETR, TOP, UIDL and QUIT.\r\n"
    b".\r\n"
    b"That line above was a lone dot.\r\n"
)
MESSAGE_1 += b"x" * (290 - len(MESSAGE_1) - 2) + b"\r\n"


@dataclass
class FakeStore:
    """Accounts and one maildrop; records what the core asked for."""

    passwords: dict[str, str] = field(default_factory=lambda: {"is_network": "3is_network"})
    apop_secrets: dict[str, str] = field(default_factory=dict)
    scram: dict[str, ScramKeys] = field(default_factory=dict)
    messages: list[tuple[str, bytes]] = field(default_factory=list)
    vanished: set[str] = field(default_factory=set)
    commit_ok: bool = True
    committed: list[tuple[str, ...]] = field(default_factory=list)
    retrieved: list[Retrieve] = field(default_factory=list)
    logins: list[Event] = field(default_factory=list)

    def maildrop(self) -> list[tuple[str, int]]:
        return [(uid, len(content)) for uid, content in self.messages]

    def content(self, uid: str) -> bytes | None:
        if uid in self.vanished:
            return None
        return dict(self.messages)[uid]


def answer(conn: Pop3Connection, event: Event, store: FakeStore) -> bytes:
    """What an adapter does with one event: the bytes it writes."""
    if isinstance(event, Reply):
        return event.data
    if isinstance(event, CheckPassword | CheckApop | SaslResult):
        store.logins.append(event)
        return login(conn, _verify(event, store), store)
    if isinstance(event, FetchScramKeys):
        return conn.scram_keys(store.scram.get(event.user))
    if isinstance(event, StartTls):
        return conn.tls_established()
    if isinstance(event, Retrieve):
        store.retrieved.append(event)
        content = store.content(event.uid)
        return conn.message_vanished() if content is None else conn.send_message(content)
    assert isinstance(event, Commit)
    store.committed.append(event.uids)
    return conn.commit_done() if store.commit_ok else conn.commit_failed()


def _verify(event: CheckPassword | CheckApop | SaslResult, store: FakeStore) -> bool:
    if isinstance(event, CheckPassword):
        return store.passwords.get(event.user) == event.password
    if isinstance(event, SaslResult):
        return event.verified
    secret = store.apop_secrets.get(event.user)
    if secret is None:
        return False
    return hashlib.md5((event.timestamp + secret).encode()).hexdigest() == event.digest


def login(conn: Pop3Connection, ok: bool, store: FakeStore) -> bytes:
    if not ok:
        return conn.auth_failed()
    entries = store.maildrop()
    return conn.auth_succeeded(Scan([uid for uid, _ in entries], [size for _, size in entries]))


def run(conn: Pop3Connection, data: bytes, store: FakeStore) -> bytes:
    """Feed ``data``, answer every request, return everything the server wrote."""
    conn.receive_data(data)
    out = bytearray()
    while (event := conn.next_event()) is not NEED_DATA and event is not CLOSED:
        assert not isinstance(event, Signal)
        out += answer(conn, event, store)
    return bytes(out)


class Session:
    """A connection plus its store, driven one client line at a time."""

    def __init__(self, store: FakeStore | None = None, **options: Any) -> None:
        options.setdefault("plaintext_allowed", True)
        self.store = store if store is not None else FakeStore()
        self.conn = Pop3Connection(**options)
        self.greeting = self.conn.greeting().decode()

    def send(self, data: bytes) -> str:
        return run(self.conn, data, self.store).decode("utf-8", "replace")

    def __call__(self, line: str) -> str:
        """Send one command line; return the reply text (CRLF line ends)."""
        return self.send(line.encode() + b"\r\n")

    def login(self) -> None:
        assert self("USER is_network") == "+OK\r\n"
        assert self("PASS 3is_network") == "+OK Logged in.\r\n"

    @property
    def closed(self) -> bool:
        return self.conn.next_event() is CLOSED
