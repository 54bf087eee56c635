"""``OnDemand``: a listener's protocol loaded by its first connection (the web console's),
and ``OnDemandStream``, a stream listener's handler (IMAP's), over real loopback sockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import pytest

from hato.server.gate import ConnectionGate, GatedProtocol
from hato.server.listener import Connection, Handler, ListenerOptions, StreamListener
from hato.server.on_demand import OnDemand, OnDemandStream


class _Echo(asyncio.Protocol):
    """Answers each chunk with ``seen: CHUNK``."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(b"seen: " + data)


async def _serve(factory: Callable[[], Any]) -> tuple[asyncio.Server, int]:
    gate = ConnectionGate(100)
    server = await asyncio.get_running_loop().create_server(
        lambda: GatedProtocol(gate, factory, b"busy\r\n"), "127.0.0.1", 0
    )
    return server, server.sockets[0].getsockname()[1]


async def _ask(port: int, data: bytes) -> bytes:
    """The answer to ``data``; b"" when the server closed the connection instead."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(100), 10)
    except ConnectionResetError:  # closed with our bytes unread: TCP resets
        return b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def test_nothing_is_loaded_before_the_first_connection_and_once_after_many() -> None:
    loads: list[int] = []
    release = asyncio.Event()

    async def load() -> Callable[[], Any]:
        loads.append(1)
        await release.wait()  # the connections below arrive while it loads
        return _Echo

    async def run() -> list[bytes]:
        on_demand = OnDemand(load, "the echo")
        server, port = await _serve(on_demand)
        await asyncio.sleep(0.05)
        assert loads == [] and not on_demand.loaded
        asks = [asyncio.create_task(_ask(port, b"%d" % n)) for n in range(5)]
        await asyncio.sleep(0.2)
        assert loads == [1] and not any(ask.done() for ask in asks)  # they wait, unrefused
        release.set()
        answers = list(await asyncio.gather(*asks))
        answers.append(await _ask(port, b"later"))
        server.close()
        return answers

    answers = asyncio.run(run())
    assert answers == [b"seen: 0", b"seen: 1", b"seen: 2", b"seen: 3", b"seen: 4", b"seen: later"]
    assert loads == [1]


def test_a_failed_load_closes_who_waited_and_the_next_connection_tries_again() -> None:
    loads: list[int] = []

    async def load() -> Callable[[], Any]:
        loads.append(1)
        if len(loads) == 1:
            raise RuntimeError("no console today")
        return _Echo

    async def run() -> tuple[bytes, bytes]:
        server, port = await _serve(OnDemand(load, "the echo"))
        first = await _ask(port, b"one")
        second = await _ask(port, b"two")
        server.close()
        await server.wait_closed()
        return first, second

    first, second = asyncio.run(run())
    assert first == b""  # closed, not left hanging
    assert second == b"seen: two"
    assert loads == [1, 1]


def test_a_connection_that_leaves_while_waiting_is_forgotten() -> None:
    release = asyncio.Event()

    async def load() -> Callable[[], Any]:
        await release.wait()
        return _Echo

    async def run() -> bytes:
        server, port = await _serve(OnDemand(load, "the echo"))
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(0.05)
        writer.close()  # gone before the load ends
        await writer.wait_closed()
        await asyncio.sleep(0.05)
        release.set()
        answer = await _ask(port, b"after")
        server.close()
        return answer

    assert asyncio.run(run()) == b"seen: after"


# OnDemandStream: the stream listener's handler (IMAP's, ManageSieve's)


async def _echo_session(connection: Connection) -> None:
    """Greets, then answers one chunk with ``seen: CHUNK``."""
    await connection.write(b"hello\r\n")
    await connection.write(b"seen: " + await connection.read())


async def _listen(handler: Handler) -> tuple[StreamListener, int]:
    options = ListenerOptions("echo", "127.0.0.1", 0, False, None, 10.0, b"busy\r\n")
    listener = StreamListener(options, handler, ConnectionGate(100), None)
    return listener, (await listener.start())[1]


async def _talk(port: int, data: bytes) -> bytes:
    """The greeting and the answer to ``data``; b"" when the server closed at once."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)  # sent before the greeting: it waits in the server's reader
        await writer.drain()
        answer = b""
        while len(answer.splitlines()) < 2:
            chunk = await asyncio.wait_for(reader.read(100), 10)
            if not chunk:
                break
            answer += chunk
        return answer
    except ConnectionResetError:
        return b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def test_a_stream_handler_is_loaded_once_by_its_first_connections() -> None:
    loads: list[int] = []
    release = asyncio.Event()

    async def load() -> Handler:
        loads.append(1)
        await release.wait()
        return _echo_session

    async def run() -> list[bytes]:
        on_demand = OnDemandStream(load, "the echo")
        listener, port = await _listen(on_demand)
        await asyncio.sleep(0.05)
        assert loads == [] and not on_demand.loaded
        talks = [asyncio.create_task(_talk(port, b"%d" % n)) for n in range(5)]
        await asyncio.sleep(0.2)
        assert loads == [1] and not any(talk.done() for talk in talks)
        release.set()
        answers = list(await asyncio.gather(*talks))
        answers.append(await _talk(port, b"later"))
        listener.stop_accepting()
        return answers

    answers = asyncio.run(run())
    assert answers == [b"hello\r\nseen: %s" % n for n in (b"0", b"1", b"2", b"3", b"4", b"later")]
    assert loads == [1]


def test_a_failed_stream_load_closes_who_waited_and_is_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loads: list[int] = []

    async def load() -> Handler:
        loads.append(1)
        if len(loads) == 1:
            raise RuntimeError("no sessions today")
        return _echo_session

    async def run() -> tuple[bytes, bytes]:
        listener, port = await _listen(OnDemandStream(load, "the echo"))
        first = await _talk(port, b"one")
        second = await _talk(port, b"two")
        listener.stop_accepting()
        return first, second

    first, second = asyncio.run(run())
    assert (first, second) == (b"", b"hello\r\nseen: two")
    assert loads == [1, 1]
    assert "the echo could not be loaded" in caplog.text
