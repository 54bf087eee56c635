"""Driving a whole ImapSession without sockets: bytes in, bytes out, a real store.

`FakeTransport` hands the session pre-cut chunks and records what it writes;
`StubAuthenticator` accepts one password without the KDF's cost, so property
tests can run many sessions against one SQLite store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from hato.imap import CommandTable, ImapContext, ImapSession
from hato.imap.commands.table import command_table
from hato.session.trace import SessionTrace
from hato.store import Account, Store

PASSWORD = "pw"


class FakeTransport:
    peer = "127.0.0.1"
    secure = False
    can_start_tls = False

    def __init__(self, chunks: Sequence[bytes]) -> None:
        self.chunks = list(chunks)
        self.written = bytearray()
        self.trace = SessionTrace(None, "test")

    async def read(self) -> bytes:
        if not self.chunks:
            raise ConnectionResetError("end of test input")
        return self.chunks.pop(0)

    async def write(self, data: bytes) -> None:
        self.written += data

    def unread(self) -> int | None:
        return 0

    def write_nowait(self, data: bytes) -> None:
        self.written += data

    async def start_tls(self) -> None:
        raise AssertionError("no TLS here")


class StubAuthenticator:
    """The parts of hato.auth.Authenticator that LOGIN uses."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def password(self, name: str, password: str, peer: str) -> Account | None:
        account = await self.store.get_account(name)
        return account if account is not None and password == PASSWORD else None


async def run_session(
    store: Store,
    chunks: Sequence[bytes],
    max_line: int = 8192,
    commands: CommandTable | None = None,
) -> bytes:
    """Everything the server wrote for this input (which should end with LOGOUT)."""
    transport = FakeTransport(chunks)
    context = ImapContext(
        store=store,
        authenticator=StubAuthenticator(store),  # type: ignore[arg-type]
        commands=commands or command_table(),
        max_literal=4096,
        max_line=max_line,
    )
    with contextlib.suppress(ConnectionResetError):
        await asyncio.wait_for(ImapSession(transport, context).run(), timeout=30)
    return bytes(transport.written)


async def selected_lines(store: Store, user: str, *commands: str) -> list[str]:
    """The server's lines for LOGIN as ``user``, SELECT INBOX, these commands and LOGOUT,
    run in the caller's event loop (for the every-backend ``store`` fixture)."""
    script = [f"l LOGIN {user} {PASSWORD}", "s SELECT INBOX", *commands, "z LOGOUT"]
    data = "".join(line + "\r\n" for line in script).encode()
    return (await run_session(store, [data], max_line=65536)).decode().split("\r\n")


def session_lines(
    store: Store, user: str, *commands: str, table: CommandTable | None = None
) -> list[str]:
    """The server's lines for LOGIN as ``user``, these tagged commands and LOGOUT."""
    script = [f"l LOGIN {user} {PASSWORD}", *commands, "z LOGOUT"]
    data = "".join(line + "\r\n" for line in script).encode()
    written = asyncio.run(run_session(store, [data], max_line=65536, commands=table))
    return written.decode().split("\r\n")
