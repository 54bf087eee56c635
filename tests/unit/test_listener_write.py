"""Connection.write to a client that does not read: the transport holds a chunk, not the data."""

from __future__ import annotations

import asyncio
import socket

from hato.server.listener import Connection, ListenerOptions
from hato.session.trace import SessionTrace
from tests.loops import LOOPS, run_on

MB = 1024 * 1024


@LOOPS
def test_write_to_a_stalled_reader_buffers_a_chunk_at_a_time(loop: str) -> None:
    assert run_on(loop, _buffered_while_stalled()) < MB


async def _buffered_while_stalled() -> int:
    """What the transport held while writing 32 MB to a client that reads nothing."""
    buffered: list[int] = []
    done = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        options = ListenerOptions("imap", "127.0.0.1", 0, False, None, 30, b"")
        connection = Connection(reader, writer, options, SessionTrace(None, "imap"))
        sending = asyncio.create_task(connection.write(b"x" * (32 * MB)))
        await asyncio.sleep(0.3)  # the client reads nothing: the socket is full
        buffered.append(writer.transport.get_write_buffer_size())
        sending.cancel()
        writer.close()
        done.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    try:
        await asyncio.wait_for(done.wait(), 10)
    finally:
        client.close()
        server.close()
        await server.wait_closed()
    # Written whole, what the socket did not take (most of 32 MB) would sit in the transport.
    return buffered[0]
