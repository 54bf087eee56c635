"""The PostgreSQL backend of the store, for several hato nodes on one database."""

from hato.store.postgres.backend import PostgresStore
from hato.store.postgres.engine import StoreUnavailable

__all__ = ["PostgresStore", "StoreUnavailable"]
