"""The embedded SQLite (WAL) backend of the store."""

from hato.store.sqlite.backend import SqliteMailstore, SqliteStore

__all__ = ["SqliteMailstore", "SqliteStore"]
