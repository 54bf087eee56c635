"""The store: one interface (``Store``/``Mailstore``) and its backends."""

from pathlib import Path

from hato.store.base import (
    INBOX,
    SYSTEM_FLAGS,
    Account,
    AccountExists,
    Credentials,
    Delivery,
    FlagMode,
    HeaderColumns,
    Mailbox,
    MailboxChanges,
    MailboxError,
    MailboxExists,
    Mailstore,
    MessageDetails,
    MessageMeta,
    MessageSummary,
    NewMessage,
    NoSuchMailbox,
    Outbound,
    QueueEntry,
    ScramKeys,
    Store,
    StoredMessage,
    StoreError,
    StoreFull,
    StoreUnavailable,
)
from hato.store.url import redact

__all__ = [
    "INBOX",
    "SYSTEM_FLAGS",
    "Account",
    "AccountExists",
    "Credentials",
    "Delivery",
    "FlagMode",
    "HeaderColumns",
    "Mailbox",
    "MailboxChanges",
    "MailboxError",
    "MailboxExists",
    "Mailstore",
    "MessageDetails",
    "MessageMeta",
    "MessageSummary",
    "NewMessage",
    "NoSuchMailbox",
    "Outbound",
    "QueueEntry",
    "ScramKeys",
    "Store",
    "StoreError",
    "StoreFull",
    "StoreUnavailable",
    "StoredMessage",
    "open_store",
]


def open_store(database: Path, url: str | None = None) -> Store:
    """Open the configured backend: the embedded SQLite file unless ``url`` names another.

    ``postgresql://`` (or ``postgres://``) urls open the PostgreSQL backend, for
    several hato nodes on one database; it connects on first use.
    """
    if url is None:
        from hato.store.sqlite import SqliteStore

        return SqliteStore(database)
    if url.startswith(("postgresql://", "postgres://")):
        from hato.store.postgres import PostgresStore

        return PostgresStore(url)
    shown = redact(url)
    raise StoreError(f"unsupported store url {shown}: use postgresql://... (or no url, for SQLite)")
