"""What an IMAP session needs from the server, and from its connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from hato.auth.authenticator import Authenticator
from hato.imap.registry import CommandTable
from hato.proto.imap import SpoolFactory
from hato.session.budget import ByteBudget
from hato.session.spool import SPOOL_ABOVE
from hato.session.trace import SessionTrace
from hato.store import Store

__all__ = ["ImapContext", "Transport"]


@dataclass(frozen=True, slots=True)
class ImapContext:
    """Shared by every IMAP session of one server.

    ``max_literal`` is the largest literal (and message) accepted, advertised
    as APPENDLIMIT (RFC 7889); ``classroom`` allows plaintext LOGIN from any
    address (the plaintext invariant of docs/architecture.md); ``commands`` is the
    server's command table (``hato.imap.commands.table.command_table``).
    """

    store: Store
    authenticator: Authenticator
    commands: CommandTable
    hostname: str = "localhost"
    classroom: bool = False
    max_literal: int = 50 * 1024 * 1024
    max_line: int = 64 * 1024
    max_commands: int = 100_000
    idle_keepalive: float = 120.0
    spool: SpoolFactory | None = None
    spool_above: int = SPOOL_ABOVE
    append_budget: ByteBudget = field(default_factory=ByteBudget)


class Transport(Protocol):
    """The connection as a session sees it (``hato.server.listener.Connection``)."""

    peer: str
    secure: bool
    trace: SessionTrace

    @property
    def can_start_tls(self) -> bool: ...
    @property
    def compressed(self) -> bool: ...
    def start_deflate(self, already_received: bytes = b"") -> None: ...
    async def read(self) -> bytes: ...
    async def write(self, data: bytes) -> None: ...
    def unread(self) -> int | None: ...
    def write_nowait(self, data: bytes) -> None: ...
    async def start_tls(self) -> None: ...
