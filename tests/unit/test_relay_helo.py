"""The relay to an MX host that refuses EHLO: it says HELO instead (RFC 5321 §3.2) and
sends, without STARTTLS; under an MTA-STS enforce policy it sends nothing."""

from __future__ import annotations

import asyncio

from hato.delivery.relay import Destination, send


class OldPeer:
    """An SMTP server from before ESMTP, on a real loopback socket: EHLO is 502."""

    def __init__(self) -> None:
        self.said: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await asyncio.gather(*self.handlers)  # each closed its connection
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            await self._converse(reader, writer)
        finally:
            writer.close()
            await writer.wait_closed()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 old.test SMTP\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            self.said.append(line.rstrip())
            if verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                while (await reader.readline()) != b".\r\n":
                    pass
                reply = b"250 queued\r\n"
            elif verb == b"EHLO":
                reply = b"502 5.5.2 Error: command not recognized\r\n"
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                reply = b"250 ok\r\n"
            writer.write(reply)
            await writer.drain()


async def test_an_mx_that_refuses_ehlo_gets_helo() -> None:
    peer = OldPeer()
    port = await peer.start()
    destination = Destination((("127.0.0.1", port),), by_mx=True)
    outcome = await send(destination, "hato.test", "a@hato.test", ["b@old.test"], b"x\r\n", 5)
    await peer.stop()
    assert outcome.delivered == ["b@old.test"], outcome
    verbs = [line.split()[0].upper() for line in peer.said]
    assert verbs[:3] == [b"EHLO", b"HELO", b"MAIL"] and b"STARTTLS" not in verbs


async def test_no_helo_fallback_under_an_enforce_policy() -> None:
    peer = OldPeer()
    port = await peer.start()
    destination = Destination((("127.0.0.1", port),), by_mx=True, verified=True)
    outcome = await send(destination, "hato.test", "a@hato.test", ["b@old.test"], b"x\r\n", 5)
    await peer.stop()
    assert not outcome.delivered
    assert "MTA-STS" in outcome.temporary["b@old.test"]
