"""``hato index``: the full-text index of SEARCH BODY and TEXT.

    hato index rebuild [--user NAME]   index the bodies stored before the index
    hato index stats                   what the index covers, and its size

``hato serve`` indexes what it delivers itself, soon after (``hato.server.indexer``).
``rebuild`` indexes every body still waiting (mail stored before the index existed,
schema version 9, whose case-mapped sort keys it recomputes too; mail delivered while
``[search] index = false``), without a server, through ``hato.store.indexing``: a
batch at a time, each parsed in a worker thread and written in one short
transaction, so a running ``hato serve`` goes on serving (more slowly) meanwhile,
memory stays bounded by the batch, and a rebuild stopped at any point goes on where
it stopped when run again. Until a body is indexed, SEARCH reads it as before: the
answers are the same, only slower.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from hato.cli_common import Commands, fail
from hato.config import Config
from hato.store import IndexStats, open_store
from hato.store.indexing import index_backlog

__all__ = ["add_index_parsers"]


def add_index_parsers(commands: Commands, common: Callable[[], argparse.ArgumentParser]) -> None:
    index = commands.add_parser("index", parents=[common()], help="the full-text search index")
    actions = index.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser(
        "rebuild", parents=[common()], help="index the mail stored before the index"
    )
    build.add_argument("--user", metavar="NAME", help="only this account's mail")
    build.set_defaults(run=_rebuild)
    stats = actions.add_parser("stats", parents=[common()], help="the index's coverage and size")
    stats.set_defaults(run=_stats)


async def _run_rebuild(config: Config, user: str | None) -> int:
    store = open_store(config.database_path, config.store_url)
    try:
        account = None
        if user is not None:
            found = await store.get_account(user.lower())
            if found is None:
                return fail(f"no such user: {user}")
            account = found.id
        stats = await store.index_stats()
        total = None if account else stats.bodies - stats.indexed
        from tqdm import tqdm  # here, not at the top: `hato serve` loads this module

        with tqdm(total=total, unit="msg", desc="hato: indexing", file=sys.stderr) as bar:
            done = await index_backlog(store, account, bar.update)
    finally:
        await store.close()
    print(f"hato: indexed {done} messages")
    return 0


def _rebuild(args: argparse.Namespace, config: Config) -> int:
    return asyncio.run(_run_rebuild(config, args.user))


async def _read_stats(config: Config) -> IndexStats:
    store = open_store(config.database_path, config.store_url)
    try:
        return await store.index_stats()
    finally:
        await store.close()


def _stats(args: argparse.Namespace, config: Config) -> int:
    for line in stats_lines(asyncio.run(_read_stats(config))):
        print(line)
    return 0


def stats_lines(stats: IndexStats) -> list[str]:
    """``hato index stats``' report, one fact a line."""
    ratio = (
        f" ({stats.index_octets / stats.text_octets:.2f}x the text)" if stats.text_octets else ""
    )
    lines = [
        f"hato: messages stored: {stats.bodies} (distinct bodies)",
        f"hato: indexed: {stats.indexed}, of them cut at the text limit: {stats.cut}",
        f"hato: waiting to be indexed: {stats.bodies - stats.indexed}",
        f"hato: searchable text: {stats.text_octets} octets",
        f"hato: index: {stats.index_octets} octets{ratio}",
    ]
    if not stats.japanese:
        lines.append(
            "hato: the index makes no trigrams of Japanese text (a PostgreSQL database "
            "whose LC_CTYPE is C): Japanese keys are found by scanning the stored text"
        )
    return lines
