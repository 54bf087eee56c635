"""ByteBudget: the bytes all APPENDs may hold at once (hato.session.budget)."""

from __future__ import annotations

import asyncio

import pytest

from hato.session.budget import ByteBudget


async def test_holds_never_exceed_the_capacity() -> None:
    budget = ByteBudget(100)
    peak = 0

    async def work(size: int) -> None:
        nonlocal peak
        async with budget.hold(size):
            peak = max(peak, budget.held)
            await asyncio.sleep(0)
            await asyncio.sleep(0)

    await asyncio.gather(*(work(size) for size in [30, 50, 40, 10, 90, 20] * 5))
    assert 0 < peak <= 100
    assert budget.held == 0


async def test_first_come_first_served() -> None:
    budget = ByteBudget(100)
    order: list[str] = []
    release = asyncio.Event()

    async def work(name: str, size: int) -> None:
        async with budget.hold(size):
            order.append(name)
            await release.wait()

    first = asyncio.create_task(work("first", 60))
    await asyncio.sleep(0)
    big = asyncio.create_task(work("big", 80))
    await asyncio.sleep(0)
    small = asyncio.create_task(work("small", 10))  # would fit now, but waits behind big
    await asyncio.sleep(0)
    assert order == ["first"]
    release.set()
    await asyncio.gather(first, big, small)
    assert order == ["first", "big", "small"]


async def test_a_request_larger_than_the_budget_takes_all_of_it() -> None:
    budget = ByteBudget(100)
    async with budget.hold(500):
        assert budget.held == 100
    assert budget.held == 0


async def test_a_cancelled_waiter_lets_the_next_one_in() -> None:
    budget = ByteBudget(100)
    holds = [budget.hold(50), budget.hold(50)]  # kept: a dropped one would give back
    async with budget.hold(100):
        waiter = asyncio.create_task(holds[0].__aenter__())
        later = asyncio.create_task(holds[1].__aenter__())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    await asyncio.wait_for(later, 1)
    assert budget.held == 50
    await holds[1].__aexit__(None, None, None)
    assert budget.held == 0
