"""``OnDemand``, a listener's protocol loaded by its first connection (the web console's),
and ``OnDemandStream``, a stream listener's handler loaded so (IMAP's), over real
loopback sockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest

from hato.server.gate import ConnectionGate, GatedProtocol
from hato.server.listener import Connection, Handler, ListenerOptions, StreamListener
from hato.server.on_demand import OnDemand, OnDemandStream
from tests.loops import LOOPS, run_on


class _Echo(asyncio.Protocol):
    """Answers each chunk with ``seen: CHUNK``."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's: no subclass

    def data_received(self, data: bytes) -> None:
        self.transport.write(b"seen: " + data)


async def _echo_session(connection: Connection) -> None:
    """Greets, then answers one chunk with ``seen: CHUNK``."""
    await connection.write(b"hello\r\n")
    await connection.write(b"seen: " + await connection.read())


async def _serve(factory: Callable[[], Any]) -> tuple[asyncio.Server, int]:
    gate = ConnectionGate(100)
    server = await asyncio.get_running_loop().create_server(
        lambda: GatedProtocol(gate, factory, b"busy\r\n"), "127.0.0.1", 0
    )
    return server, server.sockets[0].getsockname()[1]


class _Listening:
    """An on-demand listener of one kind on a free port: the console's protocol factory
    behind the gate ("protocol"), or a stream listener's handler ("stream")."""

    def __init__(self, kind: str, load: Callable[[], Awaitable[Any]]) -> None:
        self.kind = kind
        self.on_demand = (OnDemand if kind == "protocol" else OnDemandStream)(load, "the echo")
        self.greeting = b"" if kind == "protocol" else b"hello\r\n"  # what its session says
        self.made: Any = _Echo if kind == "protocol" else _echo_session
        self.port = 0
        self._server: asyncio.Server | StreamListener | None = None

    async def start(self) -> int:
        if isinstance(self.on_demand, OnDemand):
            self._server, self.port = await _serve(self.on_demand)
        else:
            self._server = _stream_listener(self.on_demand)
            self.port = (await self._server.start())[1]
        return self.port

    def stop(self) -> None:
        if isinstance(self._server, StreamListener):
            self._server.stop_accepting()
        elif self._server is not None:
            self._server.close()


def _stream_listener(handler: Handler) -> StreamListener:
    options = ListenerOptions("echo", "127.0.0.1", 0, False, None, 10.0, b"busy\r\n")
    return StreamListener(options, handler, ConnectionGate(100), None)


async def _ask(port: int, data: bytes) -> bytes:
    """What the server said up to its echo of ``data`` (its greeting, if it has one, and
    the answer); b"" when it closed the connection instead."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)  # sent before any greeting: it waits for the server to read
        await writer.drain()
        answer = b""
        while not answer.endswith(data):
            chunk = await asyncio.wait_for(reader.read(100), 10)
            if not chunk:
                break
            answer += chunk
        return answer
    except ConnectionResetError:  # closed with our bytes unread: TCP resets
        return b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


KINDS = pytest.mark.parametrize("kind", ["protocol", "stream"])


@LOOPS
@KINDS
def test_nothing_is_loaded_before_the_first_connection_and_once_after_many(
    kind: str, loop: str
) -> None:
    loads: list[int] = []
    release = asyncio.Event()

    async def load() -> Any:
        loads.append(1)
        await release.wait()  # the connections below arrive while it loads
        return listening.made

    listening = _Listening(kind, load)

    async def run() -> list[bytes]:
        port = await listening.start()
        await asyncio.sleep(0.05)
        assert loads == [] and not listening.on_demand.loaded
        asks = [asyncio.create_task(_ask(port, b"%d" % n)) for n in range(5)]
        await asyncio.sleep(0.2)
        assert loads == [1] and not any(ask.done() for ask in asks)  # they wait, unrefused
        release.set()
        answers = list(await asyncio.gather(*asks))
        answers.append(await _ask(port, b"later"))
        listening.stop()
        return answers

    answers = run_on(loop, run())
    words = (b"0", b"1", b"2", b"3", b"4", b"later")
    assert answers == [listening.greeting + b"seen: " + word for word in words]
    assert loads == [1] and listening.on_demand.loaded


@LOOPS
@KINDS
def test_a_failed_load_closes_who_waited_and_the_next_connection_tries_again(
    kind: str, loop: str, caplog: pytest.LogCaptureFixture
) -> None:
    loads: list[int] = []

    async def load() -> Any:
        loads.append(1)
        if len(loads) == 1:
            raise RuntimeError("nothing to load today")
        return listening.made

    listening = _Listening(kind, load)

    async def run() -> tuple[bytes, bytes]:
        port = await listening.start()
        first = await _ask(port, b"one")
        second = await _ask(port, b"two")
        listening.stop()
        return first, second

    first, second = run_on(loop, run())
    assert first == b""  # closed, not left hanging
    assert second == listening.greeting + b"seen: two"
    assert loads == [1, 1]
    assert "the echo could not be loaded" in caplog.text


def _held_echo(release: asyncio.Event) -> OnDemand:
    """The echo's on-demand factory, whose load ends when ``release`` is set."""

    async def load() -> Callable[[], Any]:
        await release.wait()
        return _Echo

    return OnDemand(load, "the echo")


@LOOPS
def test_a_connection_that_leaves_while_waiting_is_forgotten(loop: str) -> None:
    release = asyncio.Event()

    async def run() -> bytes:
        server, port = await _serve(_held_echo(release))
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(0.05)
        writer.close()  # gone before the load ends
        await writer.wait_closed()
        await asyncio.sleep(0.05)
        release.set()
        answer = await _ask(port, b"after")
        server.close()
        return answer

    assert run_on(loop, run()) == b"seen: after"


@LOOPS
def test_a_client_that_ends_its_side_while_the_load_runs_still_gets_its_answer(
    loop: str,
) -> None:
    """Bytes and the end of the client's stream (a half-close) arrive while the protocol
    loads: the loaded protocol is given both, in order, and answers before closing."""
    release = asyncio.Event()

    async def run() -> bytes:
        server, port = await _serve(_held_echo(release))
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"last words")
        writer.write_eof()
        await asyncio.sleep(0.1)  # both are in the server's socket before the load ends
        release.set()
        answer = await asyncio.wait_for(reader.read(), 10)  # to the server's close
        writer.close()
        server.close()
        return answer

    assert run_on(loop, run()) == b"seen: last words"
