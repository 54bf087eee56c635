"""The PostgreSQL store: the Store and Mailstore Protocols for several hato nodes."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from hato.store.base import (
    Account,
    ConditionalStore,
    Credentials,
    Delivery,
    FlagMode,
    Mailbox,
    MailboxChanges,
    MessageDetails,
    MessageMeta,
    MessageSummary,
    NewMessage,
    Outbound,
    StoredMessage,
)
from hato.store.notify import Notifier
from hato.store.postgres import imap_queries
from hato.store.postgres.engine import Database, Tx
from hato.store.sql import accounts, blobs, lookup, mailboxes, messages
from hato.store.sql.aliases import SqlAliases
from hato.store.sql.queue import SqlQueue, insert_outbound
from hato.store.sql.sieve import SqlSieveScripts

__all__ = ["PostgresMailstore", "PostgresStore"]


def _now() -> int:
    return int(time.time())


class PostgresStore(SqlQueue, SqlAliases):
    """Accounts and delivery on PostgreSQL; ``mailstore(account_id)`` gives one account."""

    _db: Database

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self._notifier = Notifier()
        self._db = Database(url, self._notifier, timeout=timeout)

    @property
    def notifier(self) -> Notifier:
        return self._notifier

    @property
    def database(self) -> Database:
        return self._db

    async def open(self) -> None:
        """Connect and migrate now (else on first use); StoreUnavailable says why not."""
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    async def create_account(self, name: str, credentials: Credentials) -> Account:
        return await self._db.write(
            partial(accounts.insert_account, name=name, credentials=credentials, now=_now())
        )

    async def get_account(self, name: str) -> Account | None:
        return await self._db.read(partial(accounts.select_account, name=name))

    async def set_credentials(self, name: str, credentials: Credentials) -> bool:
        return await self._db.write(
            partial(accounts.update_credentials, name=name, credentials=credentials)
        )

    async def delete_account(self, name: str) -> bool:
        return await self._db.write(partial(accounts.delete_account, name=name))

    async def list_accounts(self) -> list[Account]:
        return await self._db.read(accounts.select_accounts)

    async def deliver(
        self,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        deliveries: Sequence[Delivery],
    ) -> list[StoredMessage]:
        """Store one body for every delivery in one durable transaction."""
        return await self._db.write(
            partial(
                messages.deliver_rows,
                content=content,
                meta=meta,
                internal_date=internal_date,
                deliveries=list(deliveries),
            )
        )

    async def deliver_and_queue(
        self,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        deliveries: Sequence[Delivery],
        outbound: Outbound | None,
    ) -> int | None:
        """Local copies and the queued message commit together, or not at all."""

        async def work(tx: Tx) -> int | None:
            if deliveries:
                await messages.deliver_rows(tx, content, meta, internal_date, list(deliveries))
            return await insert_outbound(tx, outbound) if outbound else None

        return await self._db.write(work)

    def mailstore(self, account_id: int) -> PostgresMailstore:
        return PostgresMailstore(self._db, account_id)

    def sieve_scripts(self, account_id: int) -> SqlSieveScripts:
        return SqlSieveScripts(self._db, account_id)

    async def blob_count(self) -> int:
        return await self._db.read(blobs.count_blobs)


class PostgresMailstore:
    """One account's mailboxes; every statement carries this account's id."""

    def __init__(self, db: Database, account_id: int) -> None:
        self._db = db
        self.account_id = account_id

    async def create_mailbox(
        self, name: str, special_use: str | None = None, subscribed: bool = False
    ) -> Mailbox:
        return await self._db.write(
            partial(
                mailboxes.insert_mailbox,
                account_id=self.account_id,
                name=name,
                special_use=special_use,
                subscribed=subscribed,
                now=_now(),
            )
        )

    async def get_mailbox(self, name: str) -> Mailbox | None:
        return await self._db.read(
            partial(mailboxes.select_mailbox, account_id=self.account_id, name=name)
        )

    async def list_mailboxes(self) -> list[Mailbox]:
        return await self._db.read(partial(mailboxes.select_mailboxes, account_id=self.account_id))

    async def delete_mailbox(self, name: str) -> None:
        await self._db.write(
            partial(mailboxes.delete_mailbox, account_id=self.account_id, name=name)
        )

    async def rename_mailbox(self, old: str, new: str) -> None:
        await self._db.write(
            partial(
                mailboxes.rename_mailbox, account_id=self.account_id, old=old, new=new, now=_now()
            )
        )

    async def set_subscribed(self, name: str, subscribed: bool) -> None:
        await self._db.write(
            partial(mailboxes.set_subscribed, account_id=self.account_id, name=name, on=subscribed)
        )

    async def subscriptions(self) -> list[str]:
        return await self._db.read(
            partial(mailboxes.select_subscriptions, account_id=self.account_id)
        )

    async def append(
        self,
        mailbox: str,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        flags: frozenset[str] = frozenset(),
    ) -> StoredMessage:
        target = Delivery(self.account_id, mailbox, b"", flags)
        stored = await self._db.write(
            partial(
                messages.deliver_rows,
                content=content,
                meta=meta,
                internal_date=internal_date,
                deliveries=[target],
            )
        )
        return stored[0]

    async def messages(self, mailbox_id: int) -> list[MessageSummary]:
        return await self._db.read(lambda tx: messages.select_summaries(tx, self._a, mailbox_id))

    async def listing(self, mailbox_id: int) -> list[tuple[int, int]]:
        return await self._db.read(lambda tx: messages.select_listing(tx, self._a, mailbox_id))

    async def read_message(self, mailbox_id: int, uid: int, small: bool = False) -> bytes | None:
        return await self._db.read(lambda tx: messages.select_content(tx, self._a, mailbox_id, uid))

    async def store_flags(
        self, mailbox_id: int, uids: Sequence[int], flags: Iterable[str], mode: FlagMode
    ) -> list[MessageSummary]:
        done = await self._db.write(
            lambda tx: messages.update_flags(tx, self._a, mailbox_id, list(uids), list(flags), mode)
        )
        return done.changed

    async def store_flags_unchanged_since(
        self,
        mailbox_id: int,
        uids: Sequence[int],
        flags: Iterable[str],
        mode: FlagMode,
        unchangedsince: int,
    ) -> ConditionalStore:
        return await self._db.write(
            lambda tx: messages.update_flags(
                tx, self._a, mailbox_id, list(uids), list(flags), mode, unchangedsince
            )
        )

    async def expunge(self, mailbox_id: int, uids: Sequence[int]) -> list[int]:
        return await self._db.write(
            lambda tx: messages.delete_messages(tx, self._a, mailbox_id, list(uids))
        )

    async def expunged_since(self, mailbox_id: int, modseq: int) -> list[int]:
        return await self._db.read(
            lambda tx: messages.select_expunged_since(tx, self._a, mailbox_id, modseq)
        )

    async def message_details(self, mailbox_id: int, uids: Sequence[int]) -> list[MessageDetails]:
        return await self._db.read(
            lambda tx: messages.select_details(tx, self._a, mailbox_id, list(uids))
        )

    async def copy(
        self, mailbox_id: int, uids: Sequence[int], target: str
    ) -> list[tuple[int, int]]:
        return await self._db.write(
            lambda tx: messages.copy_messages(tx, self._a, mailbox_id, list(uids), target)
        )

    async def move(
        self, mailbox_id: int, uids: Sequence[int], target: str
    ) -> list[tuple[int, int]]:
        return await self._db.write(
            lambda tx: messages.move_messages(tx, self._a, mailbox_id, list(uids), target)
        )

    async def claim_recent(self, mailbox_id: int) -> int:
        return await self._db.write(lambda tx: messages.claim_recent(tx, self._a, mailbox_id))

    async def changes_since(self, mailbox_id: int, modseq: int) -> MailboxChanges:
        """Messages added or changed and UIDs expunged after ``modseq`` (IMAP updates)."""
        return await self._db.read(
            lambda tx: imap_queries.select_changes(tx, self._a, mailbox_id, modseq)
        )

    async def read_messages(
        self, mailbox_id: int, uids: Sequence[int], small: bool = False
    ) -> dict[int, bytes]:
        """``prefix + body`` of many messages at once (FETCH BODY[] over a set);
        ``small`` does not matter here: the query is asynchronous already."""
        return await self._db.read(
            lambda tx: imap_queries.select_contents(tx, self._a, mailbox_id, list(uids))
        )

    @property
    def _a(self) -> int:
        return self.account_id

    async def append_many(
        self, mailbox: str, messages: Sequence[NewMessage]
    ) -> list[StoredMessage]:
        """APPEND and MULTIAPPEND (RFC 3502): every message in one transaction."""
        new = list(messages)
        return await self._db.write(lambda tx: imap_queries.append_rows(tx, self._a, mailbox, new))

    async def header_columns(
        self, mailbox_id: int, names: Sequence[str], min_uid: int = 0
    ) -> list[tuple[Any, ...]]:
        """(uid, *names) of every message from ``min_uid`` on, by uid: the keys delivery stored."""
        return await self._db.read(
            lambda tx: imap_queries.select_columns(tx, self._a, mailbox_id, list(names), min_uid)
        )

    async def internal_zones(self, mailbox_id: int, uids: Sequence[int]) -> dict[int, int]:
        """The INTERNALDATE zones APPEND kept (RFC 3501 §2.3.3), where not UTC."""
        return await self._db.read(
            lambda tx: imap_queries.select_zones(tx, self._a, mailbox_id, list(uids))
        )

    async def find_by_message_id(self, message_ids: Sequence[str]) -> list[bytes]:
        """Messages of this account, in any mailbox, with one of these Message-IDs."""
        return await self._db.read(
            lambda tx: lookup.select_by_message_id(tx, self._a, list(message_ids))
        )
