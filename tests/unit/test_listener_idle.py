"""Connection.read's idle timeout: a read that waits that long for the client ends the
session; a client that keeps talking, or a server busy between reads, is never cut."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable

import pytest

from hato.server.listener import Connection, ConnectionClosed, ListenerOptions
from hato.session.trace import SessionTrace
from tests.loops import LOOPS, run_on

TIMEOUT = 0.3

Serve = Callable[[Connection], Awaitable[object]]


async def _served(serve: Serve, client_does: Callable[[socket.socket], None]) -> object:
    """Run ``serve`` on the server side of one loopback connection while a thread plays
    the client; what ``serve`` returned or raised."""
    outcome: asyncio.Future[object] = asyncio.get_running_loop().create_future()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        options = ListenerOptions("imap", "127.0.0.1", 0, False, None, TIMEOUT, b"")
        connection = Connection(reader, writer, options, SessionTrace(None, "imap"))
        try:
            outcome.set_result(await serve(connection))
        except BaseException as error:  # handed to the test
            outcome.set_exception(error)
        finally:
            await connection.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    try:
        await asyncio.to_thread(client_does, client)
        return await asyncio.wait_for(outcome, 10)
    finally:
        client.close()
        server.close()
        await server.wait_closed()


async def _timed_out_read(connection: Connection) -> float:
    """How long a read of a silent client waited before it ended as timed out."""
    started = time.monotonic()
    with pytest.raises(ConnectionClosed, match="idle timeout"):
        await connection.read()
    return time.monotonic() - started


def _on_time(waited: object) -> bool:
    return isinstance(waited, float) and TIMEOUT * 0.9 <= waited < TIMEOUT * 3


@LOOPS
def test_a_silent_client_is_cut_after_the_timeout(loop: str) -> None:
    assert _on_time(run_on(loop, _served(_timed_out_read, lambda client: None)))


def _talk(client: socket.socket) -> None:
    """A byte every third of the timeout, for three timeouts, then a last one."""
    for _ in range(9):
        client.sendall(b"x")
        time.sleep(TIMEOUT / 3)
    client.sendall(b".")


@LOOPS
def test_a_client_that_keeps_talking_is_never_cut(loop: str) -> None:
    async def serve(connection: Connection) -> object:
        received = b""
        while not received.endswith(b"."):
            received += await connection.read()
        return received

    assert run_on(loop, _served(serve, _talk)) == b"x" * 9 + b"."


@LOOPS
def test_time_the_server_spends_between_reads_is_not_the_clients(loop: str) -> None:
    async def serve(connection: Connection) -> object:
        first = await connection.read()
        await asyncio.sleep(TIMEOUT * 2.5)  # a long command: nobody reads meanwhile
        return first + await connection.read()

    def client_does(client: socket.socket) -> None:
        client.sendall(b"a")
        time.sleep(TIMEOUT * 2)
        client.sendall(b"b")

    assert run_on(loop, _served(serve, client_does)) == b"ab"


@LOOPS
def test_a_read_cancelled_from_outside_is_cancelled_not_timed_out(loop: str) -> None:
    async def serve(connection: Connection) -> object:
        reading = asyncio.ensure_future(connection.read())
        await asyncio.sleep(TIMEOUT / 3)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        return await _timed_out_read(connection)  # the next read still times out, on time

    assert _on_time(run_on(loop, _served(serve, lambda client: None)))
