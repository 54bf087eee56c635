"""The PostgreSQL backend of the store, for several hato nodes on one database."""

from hato.store.postgres.backend import PostgresMailstore, PostgresStore
from hato.store.postgres.engine import StoreUnavailable

__all__ = ["PostgresMailstore", "PostgresStore", "StoreUnavailable"]
