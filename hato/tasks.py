"""Stopping a background task for good.

Python 3.11's ``asyncio.wait_for`` drops a cancellation that arrives as what it waits for
is done (psycopg_pool waits so for a connection), so one ``cancel()`` may leave a
background loop running and its owner's stop waiting for ever. ``cancel_until_done``
cancels again until the task has ended.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["cancel_until_done"]


async def cancel_until_done(task: asyncio.Task[Any] | None, look: float = 1.0) -> None:
    """Cancel ``task``, again each ``look`` seconds while it runs, and wait for its end
    (what it raised, its cancellation included, is not passed on)."""
    while task is not None and not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=look)
    if task is not None:
        await asyncio.gather(task, return_exceptions=True)
