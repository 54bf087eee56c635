"""The listener runner that POP3 and IMAP adapters share.

Theory of operation. A ``StreamListener`` accepts TCP connections (wrapping
them in TLS at once for the implicit-TLS ports), refuses addresses over their
connection limit, and hands each accepted client to a protocol adapter as a
``Connection``. The adapter reads chunks of bytes, feeds its sans-IO core, and
writes what the core produces. ``Connection`` enforces the idle timeout, the
trace, and a safe STARTTLS: bytes the client pipelined after the STARTTLS
command are discarded, never read as if they had come over TLS (the
CVE-2011-0411 class of bug; RFC 3207 §4.2, RFC 2595 §3.1). After IMAP's COMPRESS
(RFC 4978) ``start_deflate`` puts DEFLATE under ``read`` and ``write``: the one
place the transform is done, below the session and above TLS (RFC 4978 §3:
compress first, then encrypt).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hato import metrics
from hato.server.gate import ConnectionGate
from hato.session.closed import ConnectionClosed, IdleTimeout
from hato.session.deflate import CompressionError, DeflateStreams
from hato.session.trace import SessionTrace, Tracer, session_trace

__all__ = ["Connection", "ConnectionClosed", "ListenerOptions", "StreamListener"]

_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class ListenerOptions:
    service: str
    host: str
    port: int
    implicit_tls: bool
    tls_context: ssl.SSLContext | None
    idle_timeout: float
    too_many_connections: bytes | Callable[[], bytes]  # the bytes, or made when needed


class Connection:
    """One client, as a protocol adapter sees it."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        options: ListenerOptions,
        trace: SessionTrace,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._options = options
        self.trace = trace
        peer = writer.get_extra_info("peername") or ("", 0)
        self.peer: str = str(peer[0])
        self.secure = options.implicit_tls
        self.closing = False
        self._deflate: DeflateStreams | None = None
        self._compressed_input = b""  # arrived before the switch, inflated first
        self._idle = _IdleWatch(options.idle_timeout)

    @property
    def can_start_tls(self) -> bool:
        return not self.secure and self._options.tls_context is not None

    @property
    def compressed(self) -> bool:
        return self._deflate is not None

    def start_deflate(self, already_received: bytes = b"") -> None:
        """Both directions are raw DEFLATE from now on (RFC 4978 §3): called right after
        the tagged OK is written; ``already_received`` came after the command and was
        compressed by the client, so it is inflated before anything read later."""
        self._deflate = DeflateStreams()
        self._compressed_input = already_received
        self.trace.note("compression on (DEFLATE)")

    async def read(self) -> bytes:
        """The next chunk from the client; ConnectionClosed on EOF or idle timeout."""
        if self._deflate is None:
            return await self._receive()
        return await self._inflated(self._deflate)

    async def _receive(self) -> bytes:
        idle = self._idle
        idle.reading()
        try:
            data = await self._reader.read(_CHUNK)
        except asyncio.CancelledError:
            if not idle.expired():
                raise
            raise IdleTimeout("idle timeout") from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise ConnectionClosed(str(exc)) from exc
        finally:
            idle.done()
        if not data:
            raise ConnectionClosed("end of stream")
        return data

    async def _inflated(self, streams: DeflateStreams) -> bytes:
        """The next inflated chunk, at most one read's worth: what one small input
        inflates to beyond that waits in the backlog, not in memory we grow."""
        while True:
            if streams.backlog:
                data = b""
            elif self._compressed_input:
                data, self._compressed_input = self._compressed_input, b""
            else:
                data = await self._receive()
            try:
                inflated = streams.inflate(data)
            except CompressionError as exc:
                raise ConnectionClosed(str(exc)) from exc
            if inflated:
                return inflated

    async def write(self, data: bytes) -> None:
        """Send ``data``, waiting for the transport to drain after each chunk: the
        transport copies what the socket does not take at once, so a slow reader
        makes it hold one chunk, not a whole message, besides ``data`` itself.
        Compressed, each chunk is deflated as it goes and the write ends with a
        sync flush, so the client can act on everything written so far."""
        streams = self._deflate
        if streams is None and len(data) <= _CHUNK:  # most answers: one chunk as it is
            await self._send(data)
            return
        view = memoryview(data)
        for start in range(0, len(view), _CHUNK):
            chunk = view[start : start + _CHUNK]
            await self._send(chunk if streams is None else streams.compress(chunk))
        if streams is not None:
            await self._send(streams.flush())

    def unread(self) -> int | None:
        """Bytes written that the client's socket has not taken yet; None once closing."""
        transport = self._writer.transport
        if self.closing or transport.is_closing():
            return None
        return transport.get_write_buffer_size()

    def write_nowait(self, data: bytes) -> None:
        """Queue ``data`` without waiting for the client to read it: a few bytes written
        between two of the session's own writes (IMAP's IDLE fan-out, which asks
        ``unread`` first), never in the middle of one."""
        streams = self._deflate
        self._writer.write(data if streams is None else streams.compress(data) + streams.flush())

    async def _send(self, data: bytes | memoryview) -> None:
        if not data:
            return
        try:
            self._writer.write(data)
            transport = self._writer.transport
            if not transport.get_write_buffer_size() and not transport.is_closing():
                return  # the socket took it all: nothing to wait for
            # a client that takes none of its output for the idle timeout is gone, as
            # one that sends nothing is (Dovecot: "inactivity in reading our output")
            async with asyncio.timeout(self._options.idle_timeout):
                await self._writer.drain()
        except (TimeoutError, ConnectionError, ssl.SSLError) as exc:
            raise ConnectionClosed(str(exc) or "output not read") from exc

    async def start_tls(self) -> None:
        """Upgrade to TLS, dropping any plaintext the client pipelined."""
        assert self._options.tls_context is not None
        self._discard_buffered()
        try:
            await self._writer.start_tls(self._options.tls_context)
        except (ConnectionError, ssl.SSLError, TimeoutError) as exc:
            raise ConnectionClosed(f"TLS handshake failed: {exc}") from exc
        self._discard_buffered()
        self.secure = True
        self.trace.secured()

    def _discard_buffered(self) -> None:
        # asyncio has no public way to drop a StreamReader's buffer; the bytes in
        # it arrived in plaintext before the handshake and must never be used.
        buffer = getattr(self._reader, "_buffer", None)
        if isinstance(buffer, bytearray) and buffer:
            self.trace.note(f"discarded {len(buffer)} pipelined plaintext bytes")
            buffer.clear()

    async def close(self) -> None:
        self.closing = True
        self._idle.stop()
        self._writer.close()
        try:
            async with asyncio.timeout(5):
                await self._writer.wait_closed()
        except TimeoutError:  # output the client does not read: dropped with the socket
            self._writer.transport.abort()
        except (ConnectionError, ssl.SSLError):
            pass


class _IdleWatch:
    """The idle timeout of a connection's reads: a read that waits ``timeout`` seconds
    for the client is cancelled, and its task told so by ``expired()``. One timer a
    connection, which looks at the read under way when it fires and is set again for
    that read's deadline (between reads, a timeout on): a read costs a clock reading, a
    task lookup and two attribute sets, not a timer of its own (``asyncio.timeout``
    schedules and cancels one a read: an IMAP NOOP took 66 us of server CPU with it, 52
    without, at the best of a dozen runs)."""

    __slots__ = ("_expired", "_loop", "_started", "_task", "_timeout", "_timer")

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._task: asyncio.Task[Any] | None = None  # the task waiting for a read, if any
        self._started = 0.0  # when that read began
        self._expired = False  # its task was cancelled for it, and not told yet
        self._timer: asyncio.TimerHandle | None = self._loop.call_later(timeout, self._look)

    def reading(self) -> None:
        self._task = asyncio.current_task()
        self._started = self._loop.time()

    def done(self) -> None:
        self._task = None

    def expired(self) -> bool:
        """Whether the read's task was cancelled for the wait; if so the cancellation is
        taken back (nobody else asked for it) and the read ends as timed out."""
        if not self._expired:
            return False
        self._expired = False
        if self._task is not None:
            self._task.uncancel()
        return True

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _look(self) -> None:
        now = self._loop.time()
        task = self._task
        since = now
        if task is not None and now - self._started >= self._timeout:
            self._expired = True
            task.cancel()
        elif task is not None:
            since = self._started
        self._timer = self._loop.call_at(since + self._timeout, self._look)


Handler = Callable[[Connection], Awaitable[None]]


class StreamListener:
    """Accepts clients for one service and runs ``handler`` for each."""

    def __init__(
        self,
        options: ListenerOptions,
        handler: Handler,
        gate: ConnectionGate,
        tracer: Tracer | None,
    ) -> None:
        self.options = options
        self._handler = handler
        self._gate = gate
        self._tracer = tracer
        self._server: asyncio.Server | None = None
        self.connections: set[Connection] = set()

    async def start(self) -> tuple[str, int]:
        tls = self.options.tls_context if self.options.implicit_tls else None
        self._server = await asyncio.start_server(
            self._accept, self.options.host, self.options.port, ssl=tls, limit=_CHUNK
        )
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.close()

    async def close_all(self) -> None:
        """Close every session (at shutdown, after in-flight work had its chance)."""
        await asyncio.gather(*(c.close() for c in list(self.connections)))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = str((writer.get_extra_info("peername") or ("",))[0])
        if not self._gate.enter(peer):
            refusal = self.options.too_many_connections
            writer.write(refusal if isinstance(refusal, bytes) else refusal())
            writer.close()
            return
        trace = session_trace(self._tracer, self.options.service, peer, self.options.implicit_tls)
        connection = Connection(reader, writer, self.options, trace)
        self.connections.add(connection)
        metrics.opened(self.options.service)
        try:
            await self._handler(connection)
        except ConnectionClosed as exc:
            trace.note(f"closed: {exc}")
        finally:
            self.connections.discard(connection)
            metrics.closed(self.options.service)
            self._gate.leave(peer)
            await connection.close()
            trace.closed()
