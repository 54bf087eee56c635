"""The two event loops hato's code runs on: asyncio's own (every command but ``serve``,
and the in-process tests) and uvloop (``hato serve``). Transport-level code is tested on
both: uvloop's transports differ, for one in what they read before ``connection_made``.
Such a test takes ``LOOPS`` (a parameter ``loop``) and runs its coroutine with
``run_on``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
import uvloop

__all__ = ["LOOPS", "run_on"]

T = TypeVar("T")

_FACTORIES: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}
LOOPS = pytest.mark.parametrize("loop", list(_FACTORIES))


def run_on(loop: str, main: Coroutine[Any, Any, T]) -> T:
    """``main`` run to its end on a fresh event loop of the kind named."""
    with asyncio.Runner(loop_factory=_FACTORIES[loop]) as runner:
        return runner.run(main)
