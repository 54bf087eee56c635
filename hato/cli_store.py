"""``hato migrate`` and ``hato store copy``: the store's schema, and moving up to PostgreSQL.

    hato migrate                          apply pending migrations; print the versions
    hato store copy --to postgresql://... copy the embedded store into PostgreSQL

Both work on the configured store (``[store] url``, or ``--store URL``). ``hato
store copy`` reads the embedded SQLite store of the data directory, so stop
``hato serve`` first (or copy from a snapshot); the target database must be
empty. Afterwards set ``[store] url`` to the target and start the nodes.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Callable

from hato.cli_common import Commands, fail
from hato.config import Config
from hato.store import open_store, require_postgresql_driver

__all__ = ["add_store_parsers"]

_BAR = 30


def add_store_parsers(commands: Commands, common: Callable[[], argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser("migrate", parents=[common()], help="apply schema migrations")
    migrate.set_defaults(run=_migrate)
    store = commands.add_parser("store", parents=[common()], help="move the store")
    actions = store.add_subparsers(dest="action", required=True, metavar="ACTION")
    copy = actions.add_parser(
        "copy", parents=[common()], help="copy the embedded store into PostgreSQL"
    )
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql://... (empty)")
    copy.set_defaults(run=_copy)


def _sqlite_versions(config: Config) -> set[int]:
    if not config.database_path.exists():
        return set()
    conn = sqlite3.connect(config.database_path)
    try:
        return {row[0] for row in conn.execute("SELECT version FROM schema_version")}
    except sqlite3.OperationalError:
        return set()
    finally:
        conn.close()


async def _postgres_migrate(url: str) -> tuple[list[int], list[int]]:
    import psycopg

    from hato.store.postgres.migrate import migrate

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        applied = await migrate(conn)
        cursor = await conn.execute("SELECT version FROM schema_version ORDER BY version")
        return applied, [int(row[0]) for row in await cursor.fetchall()]


async def _sqlite_migrate(config: Config) -> tuple[list[int], list[int]]:
    before = _sqlite_versions(config)
    await open_store(config.database_path).close()  # opening applies what is pending
    after = _sqlite_versions(config)
    return sorted(after - before), sorted(after)


def _migrate(args: argparse.Namespace, config: Config) -> int:
    url = config.store_url
    if url:
        require_postgresql_driver()
    try:
        work = _postgres_migrate(url) if url else _sqlite_migrate(config)
        applied, versions = asyncio.run(work)
    except Exception as exc:  # a database error of either backend, said plainly
        return fail(f"migration failed: {_one_line(exc)}")
    for version in applied:
        print(f"hato: applied migration {version}")
    print(f"hato: schema versions {', '.join(map(str, versions))}")
    return 0


def _one_line(error: Exception) -> str:
    """libpq's multi-line reasons on one line, with what to do; other errors as they are."""
    psycopg = sys.modules.get("psycopg")  # only a store that imported it raises its errors
    if psycopg is None or not isinstance(error, psycopg.Error):
        return str(error)
    from hato.store.postgres.causes import describe

    return describe(error)


def _progress(table: str, done: int, total: int) -> None:
    filled = _BAR * done // max(total, 1)
    bar = "#" * filled + "." * (_BAR - filled)
    end = "\n" if done == total else ""
    print(f"\r[{bar}] {done}/{total} rows ({table})   ", end=end, file=sys.stderr, flush=True)


def _copy(args: argparse.Namespace, config: Config) -> int:
    if config.store_url:
        return fail("hato store copy reads the embedded store: leave [store] url unset")
    if not args.to.startswith(("postgresql://", "postgres://")):
        return fail(f"--to: not a postgresql:// url: {args.to}")
    require_postgresql_driver()
    from hato.store.postgres.copy import copy_sqlite_to_postgres

    try:
        asyncio.run(open_store(config.database_path).close())  # migrate the source first
        report = asyncio.run(copy_sqlite_to_postgres(config.database_path, args.to, _progress))
    except Exception as exc:  # the source, the target (psycopg) or the network failed
        return fail(f"copy failed: {_one_line(exc)}")
    for table, count in report.source.items():
        print(f"hato: {table}: {count} copied, {report.target[table]} in the target")
    if not report.verified:
        return fail("verification failed: the counts differ")
    print("hato: verified: every table's count matches")
    return 0
