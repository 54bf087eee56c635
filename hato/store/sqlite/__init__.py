"""The embedded SQLite (WAL) backend of the store."""

from hato.store.sqlite.backend import SqliteStore

__all__ = ["SqliteStore"]
