"""The PostgreSQL store: the Store and Mailstore Protocols for several hato nodes."""

from __future__ import annotations

from hato.store.base import UNLIMITED, QuotaLimits
from hato.store.notify import Notifier
from hato.store.postgres.engine import Database
from hato.store.sql.store import SqlStore

__all__ = ["PostgresStore"]


class PostgresStore(SqlStore):
    """The store (hato/store/sql/store.py) driven by the PostgreSQL engine (engine.py)."""

    def __init__(self, url: str, timeout: float = 10.0, quota: QuotaLimits = UNLIMITED) -> None:
        self._database = Database(url, Notifier(), timeout=timeout)
        super().__init__(self._database, quota)

    @property
    def database(self) -> Database:
        """The engine itself, for what only PostgreSQL has (opening without a call)."""
        return self._database
