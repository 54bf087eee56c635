"""The store: one interface (``Store``/``Mailstore``) and its backends."""

import importlib
from pathlib import Path

from hato.store.base import (
    HEADER_COLUMN_NAMES,
    INBOX,
    MESSAGE_KEYS,
    SYSTEM_FLAGS,
    UNLIMITED,
    Account,
    AccountExists,
    AccountStore,
    AliasStore,
    Assignment,
    AssignmentStore,
    ClassMember,
    ClassroomStore,
    Credentials,
    Delivery,
    DeliveryStore,
    FlagMode,
    IndexStats,
    LabSession,
    ListedMessage,
    Mailbox,
    MailboxChanges,
    MailboxError,
    MailboxExists,
    MailboxStore,
    Mailstore,
    MessageDetails,
    MessageMeta,
    MessageSummary,
    MetadataTooMany,
    NewMessage,
    NoSuchMailbox,
    Outbound,
    OverQuota,
    QueueEntry,
    QueueStore,
    QuotaLimits,
    QuotaState,
    ScramKeys,
    Store,
    StoredMessage,
    StoreError,
    StoreFull,
    StoreUnavailable,
    Submission,
    TextIndexStore,
    TextMatches,
)
from hato.store.url import redact

__all__ = [
    "HEADER_COLUMN_NAMES",
    "INBOX",
    "MESSAGE_KEYS",
    "SYSTEM_FLAGS",
    "Account",
    "AccountExists",
    "AccountStore",
    "AliasStore",
    "Assignment",
    "AssignmentStore",
    "ClassMember",
    "ClassroomStore",
    "Credentials",
    "Delivery",
    "DeliveryStore",
    "FlagMode",
    "IndexStats",
    "LabSession",
    "ListedMessage",
    "Mailbox",
    "MailboxChanges",
    "MailboxError",
    "MailboxExists",
    "MailboxStore",
    "Mailstore",
    "MessageDetails",
    "MessageMeta",
    "MessageSummary",
    "MetadataTooMany",
    "NewMessage",
    "NoSuchMailbox",
    "Outbound",
    "OverQuota",
    "QueueEntry",
    "QueueStore",
    "QuotaLimits",
    "QuotaState",
    "ScramKeys",
    "Store",
    "StoreError",
    "StoreFull",
    "StoreUnavailable",
    "StoredMessage",
    "Submission",
    "TextIndexStore",
    "TextMatches",
    "open_store",
    "require_postgresql_driver",
]


def open_store(database: Path, url: str | None = None, quota: QuotaLimits = UNLIMITED) -> Store:
    """Open the configured backend: the embedded SQLite file unless ``url`` names another.

    ``postgresql://`` (or ``postgres://``) urls open the PostgreSQL backend, for
    several hato nodes on one database; it connects on first use. ``quota`` is the
    default quota of the accounts without one of their own (``[quota]``).
    """
    if url is None:
        from hato.store.sqlite import SqliteStore

        return SqliteStore(database, quota)
    if url.startswith(("postgresql://", "postgres://")):
        require_postgresql_driver()
        from hato.store.postgres import PostgresStore

        return PostgresStore(url, quota=quota)
    shown = redact(url)
    raise StoreError(f"unsupported store url {shown}: use postgresql://... (or no url, for SQLite)")


def require_postgresql_driver() -> None:
    """psycopg and psycopg_pool, or a StoreError that says how to install them.

    They are the optional extra ``postgresql`` (pyproject.toml): an embedded store needs
    neither, and psycopg's binary wheel carries a whole libpq.
    """
    try:
        for name in ("psycopg", "psycopg_pool"):
            importlib.import_module(name)
    except ImportError as missing:  # not installed, or no libpq it can load
        raise StoreError(
            "a postgresql:// store needs psycopg, which is not installed here: "
            "pip install 'hato[postgresql]'"
        ) from missing
