"""The Store and Mailstore Protocols, written once over a driver.

``SqlStore`` and ``SqlMailstore`` turn each call into one operation of this
package (plain code against the transaction protocol, tx.py) and hand it to
the driver (driver.py) as a read or a write: the SQLite engine or the
PostgreSQL engine, whose stores (hato/store/sqlite, hato/store/postgres) do no
more than build their driver.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from hato.mime import IndexedText
from hato.store.base import (
    UNLIMITED,
    Account,
    AccountUsage,
    Committed,
    ConditionalStore,
    Credentials,
    Delivery,
    FlagMode,
    IndexStats,
    KeptUidMessage,
    ListedMessage,
    Mailbox,
    MailboxChanges,
    MessageDetails,
    MessageMeta,
    MessageSummary,
    NewMessage,
    Outbound,
    QuotaLimits,
    QuotaState,
    StoredMessage,
    StoreFigures,
    TextMatches,
    UidsKept,
)
from hato.store.directory import Addressee, Directories, Directory
from hato.store.notify import Notifier
from hato.store.sql import (
    accounts,
    blobs,
    imap_queries,
    kept,
    kept_uids,
    listing,
    lookup,
    mailboxes,
    messages,
    metadata,
    quota,
    text,
    urlauth,
)
from hato.store.sql.aliases import SqlAliases
from hato.store.sql.assignments import SqlAssignments
from hato.store.sql.classroom import SqlClassroom
from hato.store.sql.directory import select_addressee, select_directory_version
from hato.store.sql.driver import LOOKUP, Driver
from hato.store.sql.queue import SqlQueue, insert_outbound, select_figures
from hato.store.sql.sieve import SqlSieveScripts
from hato.store.sql.tx import Tx

__all__ = ["SqlMailstore", "SqlStore"]

T = TypeVar("T")
#: Bytes a message's kept FETCH answers are taken to come to, to size a batch's read.
KEPT_BYTES = 1024
#: An operation of this package whose first argument is its ``Tx``.
Operation = Callable[..., Coroutine[Any, Any, T]]


def _now() -> int:
    return int(time.time())


class SqlStore(SqlQueue, SqlAliases, SqlClassroom, SqlAssignments):
    """Accounts, delivery, the queue and aliases; ``mailstore(account_id)`` gives one
    account's view.  ``quota`` is the configured default quota (RFC 9208), for the
    accounts without a setting of their own."""

    def __init__(self, driver: Driver, quota: QuotaLimits = UNLIMITED) -> None:
        self._db = driver
        self._quota = quota
        self._directories = Directories(self)  # its reads: alias_targets, addressee ...

    @property
    def notifier(self) -> Notifier:
        return self._db.notifier

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    async def create_account(self, name: str, credentials: Credentials) -> Account:
        return await self._db.write(
            partial(accounts.insert_account, name=name, credentials=credentials, now=_now())
        )

    async def get_account(self, name: str) -> Account | None:
        lookup = partial(accounts.select_account, name=name)
        return await self._db.read(lookup, statement=True, size=LOOKUP)

    async def set_credentials(self, name: str, credentials: Credentials) -> bool:
        return await self._db.write(
            partial(accounts.update_credentials, name=name, credentials=credentials)
        )

    async def delete_account(self, name: str) -> bool:
        return await self._db.write(partial(accounts.delete_account, name=name))

    async def list_accounts(self) -> list[Account]:
        return await self._db.read(accounts.select_accounts)

    async def set_quota(self, name: str, own: QuotaLimits) -> bool:
        return await self._db.write(partial(quota.update_quota, name=name, own=own))

    async def set_admin(self, name: str, admin: bool) -> bool:
        return await self._db.write(partial(accounts.update_admin, name=name, admin=admin))

    async def set_token(self, name: str, token_sha256: bytes) -> bool:
        return await self._db.write(
            partial(accounts.replace_token, name=name, token_sha256=token_sha256, now=_now())
        )

    async def account_by_token(self, token_sha256: bytes) -> Account | None:
        return await self._db.read(
            partial(accounts.select_account_by_token, token_sha256=token_sha256)
        )

    async def account_usage(self) -> list[AccountUsage]:
        return await self._db.read(accounts.select_usage)

    async def figures(self) -> StoreFigures:
        return await self._db.read(select_figures)

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
                quota_default=self._quota,
            )
        )

    async def deliver_and_queue(
        self,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        deliveries: Sequence[Delivery],
        outbound: Outbound | None,
    ) -> Committed:
        """Local copies and the queued message commit together, or not at all."""

        async def work(tx: Tx) -> Committed:
            targets = list(deliveries)
            stored = await messages.deliver_rows(
                tx, content, meta, internal_date, targets, self._quota
            )
            queue_id = await insert_outbound(tx, outbound) if outbound else None
            full = {t.account_id for t in targets} - {s.account_id for s in stored}
            return Committed(queue_id, frozenset(full))

        return await self._db.write(work)

    async def directory(self) -> Directory:
        """What delivery looks up, as of now (hato/store/directory.py): one read, of the
        directory's version, and the answers kept for it."""
        version = await self._db.read(select_directory_version, statement=True, size=LOOKUP)
        return self._directories.at(version)

    async def addressee(self, name: str) -> Addressee | None:
        """The account named ``name`` as delivery needs it (a read behind the directory)."""
        lookup = partial(select_addressee, name=name, default=self._quota)
        return await self._db.read(lookup, statement=True, size=LOOKUP)

    async def active_script(self, account_id: int) -> tuple[str, str] | None:
        """The account's active Sieve script (a read behind the directory)."""
        return await self.sieve_scripts(account_id).active()

    def mailstore(self, account_id: int) -> SqlMailstore:
        return SqlMailstore(self._db, account_id, self._quota)

    def sieve_scripts(self, account_id: int) -> SqlSieveScripts:
        return SqlSieveScripts(self._db, account_id)

    async def blob_count(self) -> int:
        return await self._db.read(blobs.count_blobs)

    async def unindexed_bodies(
        self, after: int, limit: int, account: int | None = None
    ) -> list[tuple[int, bytes, bool]]:
        return await self._db.read(
            partial(text.select_unindexed, after=after, limit=limit, account=account)
        )

    async def index_bodies(self, parsed: Sequence[tuple[int, MessageMeta | IndexedText]]) -> None:
        await self._db.write(partial(text.index_bodies, parsed=list(parsed)))

    async def index_stats(self) -> IndexStats:
        return await self._db.read(text.select_index_stats)


class SqlMailstore:
    """One account's mailboxes and messages: every operation is given this account's id."""

    def __init__(self, db: Driver, account_id: int, quota: QuotaLimits = UNLIMITED) -> None:
        self._db = db
        self.account_id = account_id
        self._quota = quota  # the configured default

    async def _read(
        self,
        operation: Operation[T],
        /,
        *,
        statement: bool = False,
        size: int | None = None,
        **arguments: Any,
    ) -> T:
        work = partial(operation, account_id=self.account_id, **arguments)
        return await self._db.read(work, statement=statement, size=size)

    async def _write(self, operation: Operation[T], /, **arguments: Any) -> T:
        return await self._db.write(partial(operation, account_id=self.account_id, **arguments))

    async def create_mailbox(
        self, name: str, special_use: str | None = None, subscribed: bool = False
    ) -> Mailbox:
        return await self._write(
            mailboxes.insert_mailbox,
            name=name,
            special_use=special_use,
            subscribed=subscribed,
            now=_now(),
        )

    async def get_mailbox(self, name: str) -> Mailbox | None:
        # one row by its unique key, asked by every SELECT, STATUS, APPEND and COPY
        return await self._read(mailboxes.select_mailbox, statement=True, size=LOOKUP, name=name)

    async def list_mailboxes(self) -> list[Mailbox]:
        return await self._read(mailboxes.select_mailboxes)

    async def delete_mailbox(self, name: str) -> None:
        await self._write(mailboxes.delete_mailbox, name=name)

    async def rename_mailbox(self, old: str, new: str) -> None:
        await self._write(mailboxes.rename_mailbox, old=old, new=new, now=_now())

    async def set_subscribed(self, name: str, subscribed: bool) -> None:
        await self._write(mailboxes.set_subscribed, name=name, on=subscribed)

    async def subscriptions(self) -> list[str]:
        return await self._read(mailboxes.select_subscriptions)

    async def append(
        self,
        mailbox: str,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        flags: frozenset[str] = frozenset(),
    ) -> StoredMessage:
        stored = await self.append_many(mailbox, [NewMessage(content, meta, internal_date, flags)])
        return stored[0]

    async def append_many(
        self, mailbox: str, messages: Sequence[NewMessage]
    ) -> list[StoredMessage]:
        """APPEND and MULTIAPPEND (RFC 3502): every message in one transaction."""
        return await self._write(
            imap_queries.append_rows,
            mailbox=mailbox,
            new=list(messages),
            quota_default=self._quota,
        )

    async def import_mailbox(
        self, name: str, uidvalidity: int, special_use: str | None, subscribed: bool
    ) -> Mailbox:
        return await self._write(
            kept_uids.import_mailbox,
            name=name,
            uidvalidity=uidvalidity,
            special_use=special_use,
            subscribed=subscribed,
            now=_now(),
        )

    async def import_with_uids(
        self, mailbox_id: int, messages: Sequence[KeptUidMessage]
    ) -> UidsKept:
        """One transaction: every message of the batch at its UID, or refused."""
        return await self._write(
            kept_uids.import_with_uids, mailbox_id=mailbox_id, messages=list(messages)
        )

    async def raise_uidnext(self, mailbox_id: int, uidnext: int) -> None:
        await self._write(kept_uids.raise_uidnext, mailbox_id=mailbox_id, uidnext=uidnext)

    async def messages(self, mailbox_id: int) -> list[MessageSummary]:
        return await self._read(messages.select_summaries, mailbox_id=mailbox_id)

    async def listing(self, mailbox_id: int) -> list[tuple[int, int]]:
        return await self._read(messages.select_listing, mailbox_id=mailbox_id)

    async def read_message(
        self, mailbox_id: int, uid: int, size: int | None = None
    ) -> bytes | None:
        return await self._read(
            messages.select_content, statement=True, size=size, mailbox_id=mailbox_id, uid=uid
        )

    async def read_messages(
        self, mailbox_id: int, uids: Sequence[int], size: int | None = None
    ) -> dict[int, bytes]:
        """``prefix + body`` of many messages at once (FETCH BODY[] over a set): one
        statement when the set fits in one (no transaction around it), else several in
        one read transaction; a single message by ``read_message``'s statement, what a
        client reading message after message asks each time (no set to write out)."""
        if len(uids) == 1:
            uid = uids[0]
            content = await self.read_message(mailbox_id, uid, size)
            return {} if content is None else {uid: content}
        one = len(uids) <= self._db.dialect.chunk
        return await self._read(
            imap_queries.select_contents,
            statement=one,
            size=size,
            mailbox_id=mailbox_id,
            uids=list(uids),
        )

    async def store_flags(
        self, mailbox_id: int, uids: Sequence[int], flags: Iterable[str], mode: FlagMode
    ) -> list[MessageSummary]:
        done = await self._write(
            messages.update_flags,
            mailbox_id=mailbox_id,
            uids=list(uids),
            flags=list(flags),
            mode=mode,
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
        return await self._write(
            messages.update_flags,
            mailbox_id=mailbox_id,
            uids=list(uids),
            flags=list(flags),
            mode=mode,
            unchangedsince=unchangedsince,
        )

    async def expunge(self, mailbox_id: int, uids: Sequence[int]) -> list[int]:
        return await self._write(messages.delete_messages, mailbox_id=mailbox_id, uids=list(uids))

    async def expunged_since(self, mailbox_id: int, modseq: int) -> list[int]:
        return await self._read(
            messages.select_expunged_since, mailbox_id=mailbox_id, modseq=modseq
        )

    async def message_details(self, mailbox_id: int, uids: Sequence[int]) -> list[MessageDetails]:
        return await self._read(messages.select_details, mailbox_id=mailbox_id, uids=list(uids))

    async def copy(
        self, mailbox_id: int, uids: Sequence[int], target: str
    ) -> list[tuple[int, int]]:
        return await self._write(
            messages.copy_messages,
            mailbox_id=mailbox_id,
            uids=list(uids),
            target=target,
            quota_default=self._quota,
        )

    async def move(
        self, mailbox_id: int, uids: Sequence[int], target: str
    ) -> list[tuple[int, int]]:
        return await self._write(
            messages.move_messages, mailbox_id=mailbox_id, uids=list(uids), target=target
        )

    async def claim_recent(self, mailbox_id: int) -> int:
        return await self._write(messages.claim_recent, mailbox_id=mailbox_id)

    async def changes_since(self, mailbox_id: int, modseq: int) -> MailboxChanges:
        """Messages added or changed and UIDs expunged after ``modseq`` (IMAP updates)."""
        return await self._read(imap_queries.select_changes, mailbox_id=mailbox_id, modseq=modseq)

    async def header_columns(
        self, mailbox_id: int, names: Sequence[str], min_uid: int = 0
    ) -> list[tuple[Any, ...]]:
        """(uid, *names) of every message from ``min_uid`` on, by uid: the keys delivery stored."""
        return await self._read(
            imap_queries.select_columns,
            statement=True,
            mailbox_id=mailbox_id,
            names=list(names),
            min_uid=min_uid,
        )

    async def list_page(self, mailbox_id: int, offset: int, limit: int) -> list[ListedMessage]:
        """``limit`` list lines after the ``offset`` newest messages, newest first."""
        return await self._read(
            listing.select_page, mailbox_id=mailbox_id, offset=offset, limit=limit
        )

    async def list_messages(self, mailbox_id: int, uids: Sequence[int]) -> list[ListedMessage]:
        """The list lines of these messages, newest first."""
        return await self._read(listing.select_listed, mailbox_id=mailbox_id, uids=list(uids))

    async def attachment_counts(self, mailbox_id: int) -> dict[int, int | None]:
        """uid -> attachments kept at delivery (None if not kept) of every message."""
        return await self._read(listing.select_attachment_counts, mailbox_id=mailbox_id)

    async def keep_listing(self, mailbox_id: int, values: Sequence[tuple[int, str, int]]) -> None:
        """Keep (uid, snippet, attachments) worked out for bodies stored without them."""
        await self._write(listing.update_listing, mailbox_id=mailbox_id, values=list(values))

    async def keep_imap_answers(
        self, mailbox_id: int, values: Sequence[tuple[int, str | None, str | None]]
    ) -> None:
        await self._write(kept.update_imap_answers, mailbox_id=mailbox_id, values=list(values))

    async def kept_answers(
        self, mailbox_id: int, uids: Sequence[int], names: str | None, answers: bool
    ) -> list[kept.Kept]:
        """What FETCH answers kept of the messages (``kept.select_kept``): one statement
        without a transaction when the UIDs fit one, and, sized at ``KEPT_BYTES`` a
        message, read on the event loop's thread for a batch of up to 256."""
        one = len(uids) <= self._db.dialect.chunk
        return await self._read(
            kept.select_kept,
            statement=one,
            size=len(uids) * KEPT_BYTES,
            mailbox_id=mailbox_id,
            uids=list(uids),
            names=names,
            answers=answers,
        )

    async def keep_header_fields(
        self, mailbox_id: int, names: str, values: Sequence[tuple[int, bytes]]
    ) -> None:
        await self._write(
            kept.insert_kept_fields, mailbox_id=mailbox_id, names=names, values=list(values)
        )

    async def text_matches(self, mailbox_id: int, key: str, header: bool) -> TextMatches:
        matches, prefixes = await self._read(
            text.select_text_matches, mailbox_id=mailbox_id, key=key, header=header
        )
        if not prefixes:
            return matches
        in_prefixes = await asyncio.to_thread(text.prefixes_holding, prefixes, key)
        return TextMatches(matches.found | in_prefixes, matches.unsure)

    async def internal_zones(self, mailbox_id: int, uids: Sequence[int]) -> dict[int, int]:
        """The INTERNALDATE zones APPEND kept (RFC 3501 §2.3.3), where not UTC."""
        return await self._read(imap_queries.select_zones, mailbox_id=mailbox_id, uids=list(uids))

    async def save_dates(
        self, mailbox_id: int, uids: Sequence[int] | None = None
    ) -> dict[int, int]:
        """uid -> when it was saved to the mailbox (SAVEDATE, RFC 8514), of these or all."""
        return await self._read(
            imap_queries.select_save_dates,
            mailbox_id=mailbox_id,
            uids=None if uids is None else list(uids),
        )

    async def metadata(self, mailbox_id: int | None) -> dict[str, bytes]:
        return await self._read(metadata.select_metadata, mailbox_id=mailbox_id)

    async def all_metadata(self) -> dict[tuple[int | None, str], bytes]:
        return await self._read(metadata.select_all_metadata)

    async def set_metadata(
        self, mailbox_id: int | None, changes: Mapping[str, bytes | None], max_entries: int
    ) -> None:
        await self._write(
            metadata.update_metadata,
            mailbox_id=mailbox_id,
            changes=dict(changes),
            max_entries=max_entries,
        )

    async def urlauth_key(self, mailbox_id: int, create: bool) -> bytes | None:
        if create:
            return await self._write(urlauth.ensure_key, mailbox_id=mailbox_id)
        return await self._read(urlauth.select_key, mailbox_id=mailbox_id)

    async def reset_urlauth_keys(self, mailbox_id: int | None) -> None:
        await self._write(urlauth.replace_keys, mailbox_id=mailbox_id)

    async def digests(self, mailbox_id: int, uids: Sequence[int] | None = None) -> dict[int, bytes]:
        """uid -> a digest of the message's content (EMAILID, RFC 8474 §5.1)."""
        return await self._read(
            imap_queries.select_digests,
            mailbox_id=mailbox_id,
            uids=None if uids is None else list(uids),
        )

    async def find_by_message_id(self, message_ids: Sequence[str]) -> list[bytes]:
        """Messages of this account, in any mailbox, with one of these Message-IDs."""
        return await self._read(lookup.select_by_message_id, message_ids=list(message_ids))

    async def quota(self) -> QuotaState:
        """The account's quota root (RFC 9208 §3): setting, limits in force, usage (two
        small indexed reads, on the caller's thread like every lookup: delivery asks it
        for each recipient)."""
        return await self._read(quota.select_quota, size=LOOKUP, default=self._quota)
