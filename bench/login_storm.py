"""A login storm: ``LOGINS`` IMAP logins from ``CLIENTS`` clients at once.

Each client (asyncio, a raw socket: no client parsing in the figure) connects, reads
the greeting, sends LOGIN and LOGOUT, and starts again, until ``LOGINS`` logins are
done between them all. Every login checks the same account's password: on both
servers an argon2id hash (m=64 MiB), and on both an authentication cache
(hato's ``login_cache_ttl``, Dovecot's ``auth_cache_size``), so the figure weighs
how each server queues its checks and serves the rest from its cache. The server's
resident memory (summed over its processes) is sampled every 20 ms for the peak.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from bench.target import rss_mb

if TYPE_CHECKING:
    from bench.measurements import Context
    from bench.target import Target

__all__ = ["CLIENTS", "LOGINS", "logins_per_second", "peak_rss"]

LOGINS = 1000
CLIENTS = 100
_SAMPLE_EVERY = 0.02
_TIMEOUT = 300.0


async def _client(target: Target, left: list[int]) -> int:
    """Log in and out until the shared count ``left`` runs out; the logins done."""
    done = 0
    login = f'a LOGIN "{target.user}" "{target.password}"\r\nb LOGOUT\r\n'.encode()
    while left[0] > 0:
        left[0] -= 1
        reader, writer = await asyncio.open_connection(target.host, target.ports["imap"])
        try:
            await reader.readline()  # greeting
            writer.write(login)
            answer = await reader.readline()
            while not answer.startswith(b"a "):
                answer = await reader.readline()
            if not answer.startswith(b"a OK"):
                raise RuntimeError(f"{target.name}: LOGIN answered {answer!r}")
            done += 1
        finally:
            writer.close()
    return done


async def _sample(target: Target, peak: list[float]) -> None:
    while True:
        peak[0] = max(peak[0], rss_mb(target.pids()))
        await asyncio.sleep(_SAMPLE_EVERY)


async def _storm(target: Target) -> dict[str, float]:
    left, peak = [LOGINS], [0.0]
    sampler = asyncio.create_task(_sample(target, peak))
    start = time.perf_counter()
    try:
        async with asyncio.timeout(_TIMEOUT):
            done = sum(await asyncio.gather(*(_client(target, left) for _ in range(CLIENTS))))
    finally:
        sampler.cancel()
    elapsed = time.perf_counter() - start
    if done != LOGINS:
        raise RuntimeError(f"{target.name}: {done} of {LOGINS} logins")
    return {"rate": done / elapsed, "peak": peak[0]}


def _run(target: Target, context: Context) -> dict[str, float]:
    """One storm per server; both rows read its results."""
    key = f"{target.name} logins"
    if key not in context.shared:
        context.shared[key] = asyncio.run(_storm(target))
    return context.shared[key]


def logins_per_second(target: Target, context: Context) -> float:
    return _run(target, context)["rate"]


def peak_rss(target: Target, context: Context) -> float:
    """The server's resident memory at its highest during the storm (all its processes)."""
    return _run(target, context)["peak"]
