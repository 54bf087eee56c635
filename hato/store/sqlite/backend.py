"""The embedded store: the Store and Mailstore Protocols over one SQLite file."""

from __future__ import annotations

from pathlib import Path

from hato.store.base import UNLIMITED, QuotaLimits
from hato.store.notify import Notifier
from hato.store.sql.store import SqlStore
from hato.store.sqlite.engine import Database

__all__ = ["SqliteStore"]


class SqliteStore(SqlStore):
    """The store (hato/store/sql/store.py) driven by the SQLite engine (engine.py)."""

    def __init__(self, path: Path, quota: QuotaLimits = UNLIMITED) -> None:
        super().__init__(Database(path, Notifier()), quota)
