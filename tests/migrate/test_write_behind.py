"""hato.migrate.write_behind: an import's batch is written while the next one is read; one
write at a time, in order; its first step runs before ``start`` returns; a failed write is
raised to the import; leaving the block waits for the last write."""

from __future__ import annotations

import asyncio

import pytest

from hato.migrate.write_behind import WriteBehind


class Log:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.running = 0
        self.most = 0

    async def write(self, name: str, release: asyncio.Event) -> None:
        self.events.append(f"{name} queued")  # the first step: before any await
        self.running += 1
        self.most = max(self.most, self.running)
        await release.wait()
        self.running -= 1
        self.events.append(f"{name} done")


async def test_one_write_at_a_time_in_order_the_first_step_at_once() -> None:
    log = Log()
    first, second = asyncio.Event(), asyncio.Event()
    async with WriteBehind() as writes:
        await writes.start(log.write("a", first))
        assert log.events == ["a queued"]  # queued before start returned
        log.events.append("reading the next batch")
        asyncio.get_running_loop().call_later(0.01, first.set)
        await writes.start(log.write("b", second))  # waits for "a" first
        assert log.events == ["a queued", "reading the next batch", "a done", "b queued"]
        second.set()
    assert log.events[-1] == "b done" and log.most == 1


async def test_a_failed_write_is_raised_at_the_next_start() -> None:
    async def failing() -> None:
        await asyncio.sleep(0)
        raise OSError("disk full")

    async def never() -> None:
        raise AssertionError("not started after a failure")

    writes = WriteBehind()
    await writes.start(failing())
    never_started = never()
    with pytest.raises(OSError, match="disk full"):
        await writes.start(never_started)
    never_started.close()


async def test_leaving_the_block_waits_for_the_last_write_even_on_error() -> None:
    log = Log()
    release = asyncio.Event()
    with pytest.raises(ValueError, match="a bad file"):
        async with WriteBehind() as writes:
            await writes.start(log.write("last", release))
            asyncio.get_running_loop().call_later(0.01, release.set)
            raise ValueError("a bad file")
    assert log.events == ["last queued", "last done"]
