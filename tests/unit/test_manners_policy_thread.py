"""The manners policy lints a submitted message off the event loop.

The standard library's parser spends about a second of CPU on a From header of
thousands of encoded words; on the loop that second would hold every session.
"""

from __future__ import annotations

import asyncio
import time

from hato.delivery.manners_policy import MannersPolicy
from hato.manners import MannersSettings


def _heavy_message(addresses: int) -> bytes:
    sender = ", ".join(f"=?utf-8?b?5bGx55Sw?= <u{n}@example.org>" for n in range(addresses))
    return f"From: {sender}\r\nTo: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n".encode()


async def test_linting_a_heavy_message_leaves_the_loop_free() -> None:
    policy = MannersPolicy(MannersSettings(policy="warn"), "mail.test")
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    # No In-Reply-To: the policy never asks the store for earlier messages.
    findings = await policy.findings(None, _heavy_message(6000))  # type: ignore[arg-type]
    took = time.perf_counter() - started
    done.set()
    await ticking
    assert isinstance(findings, list)
    # On the loop, one gap would be the whole lint; off it, the loop keeps ticking.
    assert took > 0.2
    assert max(gaps) < took / 4
