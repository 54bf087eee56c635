"""What every ``hato`` command module shares: the subcommand table's type, running one
piece of work against the configured store, and the ``hato: ...`` error line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

from hato.config import Config
from hato.store import Store, open_store

__all__ = ["Commands", "fail", "with_store"]

#: What ``add_subparsers()`` returns, to which each module adds its commands.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

T = TypeVar("T")


def with_store(config: Config, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open the configured store, run ``work`` on it in a fresh event loop, close it."""

    async def session() -> T:
        store = open_store(config.database_path, config.store_url, config.quota)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(session())


def fail(text: str) -> int:
    """Print ``hato: text`` on stderr; the exit status of a command that failed."""
    print(f"hato: {text}", file=sys.stderr)
    return 1
