"""A scripted SMTP peer for relay tests: answers as told, records every transaction."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.e2e.harness import free_port


@dataclass
class Transaction:
    sender: str
    recipients: list[str]
    content: bytes
    tls: bool = False  # whether it came over STARTTLS


@dataclass
class ScriptedPeer:
    """``data_replies`` are used in turn for each DATA (then 250); "drop" closes mid-DATA."""

    data_replies: list[str] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    delivered: list[Transaction] = field(default_factory=list)
    attempts: int = 0
    port: int = field(default_factory=free_port)
    controller: Controller | None = None
    tls_context: ssl.SSLContext | None = None  # offer STARTTLS with this

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        reply = self.data_replies.pop(0) if self.data_replies else "250 2.0.0 Ok"
        if reply == "drop":
            assert server.transport is not None
            server.transport.abort()
            return "451 4.3.0 dropped"
        if reply.startswith("250"):
            sender = str(envelope.mail_from)
            content = bytes(envelope.original_content or b"")
            tls = session.ssl is not None
            self.delivered.append(Transaction(sender, list(envelope.rcpt_tos), content, tls))
        return reply

    def __enter__(self) -> ScriptedPeer:
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, tls_context=self.tls_context
        )
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.controller is not None:  # stopped once only, whoever stops it first
            self.controller.stop()
            self.controller = None


def wait_until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")
