"""The IDLE fan-out (hato.imap.fanout) on a real store: new mail is written to every
idling session by one task, without waking the sessions (none of them runs its own
refresh), with exactly the lines each one's own refresh would have sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from hato.imap import ImapContext, ImapSession
from hato.imap import session as session_module
from hato.imap.commands.table import command_table
from hato.store import MessageMeta, Store
from tests.imap.session_harness import PASSWORD, FakeTransport, StubAuthenticator
from tests.imap.test_mailbox_index import MESSAGE, _mailstore

IDLERS = 40


class HeldTransport(FakeTransport):
    """A client that sends its lines when told to and otherwise waits."""

    def __init__(self) -> None:
        super().__init__([])
        self.incoming: asyncio.Queue[bytes] = asyncio.Queue()
        self.wrote = asyncio.Event()
        self.session: asyncio.Task[None] | None = None

    async def read(self) -> bytes:
        return await self.incoming.get()

    async def write(self, data: bytes) -> None:
        await super().write(data)
        self.wrote.set()

    def write_nowait(self, data: bytes) -> None:
        super().write_nowait(data)
        self.wrote.set()

    async def until(self, condition: Callable[[bytes], bool]) -> None:
        """Wait until what was written meets ``condition``."""
        async with asyncio.timeout(30):
            while not condition(bytes(self.written)):
                self.wrote.clear()
                await self.wrote.wait()


async def _idling(store: Store, rev2: bool) -> HeldTransport:
    transport = HeldTransport()
    context = ImapContext(
        store=store,
        authenticator=StubAuthenticator(store),  # type: ignore[arg-type]
        commands=command_table(),
    )
    transport.session = asyncio.ensure_future(ImapSession(transport, context).run())
    enable = "e ENABLE IMAP4rev2\r\n" if rev2 else ""
    script = f"l LOGIN ix {PASSWORD}\r\n{enable}s SELECT INBOX\r\ni IDLE\r\n"
    transport.incoming.put_nowait(script.encode())
    await transport.until(lambda written: written.endswith(b"+ idling\r\n"))
    transport.written.clear()
    return transport


async def test_new_mail_reaches_every_idler_without_waking_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailstore = await _mailstore(store, 3)
    idlers = [await _idling(store, rev2=number % 2 == 1) for number in range(IDLERS)]
    refreshes = 0
    own_refresh = session_module.refresh

    async def counted(*args: Any, **kwargs: Any) -> list[bytes]:
        nonlocal refreshes
        refreshes += 1
        return await own_refresh(*args, **kwargs)

    monkeypatch.setattr(session_module, "refresh", counted)
    await mailstore.append("INBOX", MESSAGE, MessageMeta(), 1_700_000_100)
    for transport in idlers:
        await transport.until(lambda written: b"EXISTS" in written)
    await asyncio.sleep(0.1)  # anything more would come now
    assert refreshes == 0  # no session looked for itself
    rev1 = [bytes(t.written) for t in idlers[0::2]]
    rev2 = [bytes(t.written) for t in idlers[1::2]]
    assert set(rev2) == {b"* 4 EXISTS\r\n"}  # no RECENT in IMAP4rev2 (RFC 9051)
    # the first SELECT claimed the three old messages as \Recent; the new one is
    # \Recent in exactly one session (RFC 3501 §2.3.2)
    assert all(line.startswith(b"* 4 EXISTS\r\n* ") for line in rev1)
    recent = [int(line.split()[4]) for line in rev1 if line.endswith(b" RECENT\r\n")]
    assert len(recent) == len(rev1) and sum(recent) == 4
    for transport in idlers:
        transport.written.clear()
        transport.incoming.put_nowait(b"DONE\r\nn NOOP\r\nz LOGOUT\r\n")
    for transport in idlers:
        await transport.until(lambda written: written.endswith(b"z OK Logout completed.\r\n"))
    for transport in idlers:  # nothing left untold, nothing told twice
        assert transport.written == (
            b"i OK Idle completed.\r\nn OK NOOP completed.\r\n"
            b"* BYE Logging out\r\nz OK Logout completed.\r\n"
        )
