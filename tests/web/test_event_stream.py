"""An event stream (hato.web.events) whose client stops reading: it is dropped, and nobody
waits for it. A real store, a real aiohttp server and a real socket that is never read;
the buffers on both ends are made small so that a few events fill them."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from hato.store import Credentials, Delivery, Store, open_store
from hato.store.meta import message_meta
from hato.web import events

SMALL_BUFFER = 4096


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = open_store(tmp_path / "store.sqlite3")
    yield opened
    await opened.close()


async def never_reading_client(port: int) -> socket.socket:
    """A connection that sends its request and then never reads (a stuck browser tab)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    sock.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    return sock


async def test_a_client_that_stops_reading_is_dropped_while_mail_goes_on(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "WRITE_TIMEOUT", 0.3)
    monkeypatch.setattr(events, "EVENT_INTERVAL", 0.0)
    account = await store.create_account("bob", Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    for number in range(200):  # each event then tells of 200 mailboxes: about 50 KB
        await mailstore.create_mailbox(f"{number:03d} " + "x" * 200)
    await mailstore.create_mailbox("INBOX")
    ended = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        server_side = request.transport.get_extra_info("socket")
        server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)
        response = web.StreamResponse()
        await response.prepare(request)
        await events.stream_mailboxes(
            response, mailstore, store.notifier, asyncio.Event(), lambda: True
        )
        ended.set()
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    client = await never_reading_client(runner.addresses[0][1])
    try:
        message = b"Subject: hi\r\n\r\nhello\r\n"
        delivered = 0
        deadline = time.monotonic() + 30
        while not ended.is_set() and time.monotonic() < deadline:
            await store.deliver(message, message_meta(message), 0, [Delivery(account.id)])
            delivered += 1
            await asyncio.sleep(0.05)
        assert ended.is_set(), f"the stream still runs after {delivered} deliveries"
        inbox = await mailstore.get_mailbox("INBOX")
        assert inbox is not None and inbox.messages == delivered
    finally:
        client.close()
        await runner.cleanup()
