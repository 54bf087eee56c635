"""Quota (RFC 9208): one quota root per account, its limits checked where messages are added.

Theory of operation.  An account's limits are its own setting (``accounts.quota_storage``
and ``quota_messages``; NULL: the configured default, 0: none) over the default the store
was given.  Its usage is the sum of its mailboxes' counters (``messages`` and ``size``,
kept in the transaction of every change), so no message is read to know it.

Every operation that adds messages (delivery, APPEND, COPY) first ``hold``s the accounts
it adds to, in id order, before it touches any mailbox row: on PostgreSQL that row lock
queues concurrent adders to one account behind each other, across nodes, and the usage
each then reads (a statement after the lock, so a snapshot after the other's commit)
already counts the other's messages.  Two deliveries can therefore never both pass the
last free octets: the limit is exact, not approximate.  Taking account rows before
mailbox rows, always, keeps one lock order, so adders do not deadlock.  SQLite has one
writer at a time and needs no lock.  ``FOR NO KEY UPDATE`` leaves the row's key free,
so creating a mailbox (whose foreign key shares the account row) does not wait.

MOVE within an account changes no usage and is not checked (RFC 9208 §5: resources
are counted per root, and source and target share it).
"""

from __future__ import annotations

from collections.abc import Iterable

from hato.store.base import OverQuota, QuotaLimits, QuotaState
from hato.store.sql.tx import Row, Tx

__all__ = ["check", "hold", "select_quota", "update_quota"]


async def hold(tx: Tx, account_ids: Iterable[int], default: QuotaLimits) -> dict[int, QuotaLimits]:
    """The limits in force for each account, its row held until commit (see above)."""
    limits = {}
    for account_id in sorted(set(account_ids)):
        row = await tx.one(
            "SELECT quota_storage, quota_messages FROM accounts WHERE id = ?"
            f"{tx.dialect.for_no_key_update}",
            (account_id,),
        )
        own = own_limits(row) if row is not None else QuotaLimits()
        limits[account_id] = own.over(default)
    return limits


async def check(tx: Tx, account_id: int, limits: QuotaLimits, octets: int, count: int) -> None:
    """OverQuota unless ``count`` messages of ``octets`` in all fit (after ``hold``)."""
    if limits.storage is None and limits.messages is None:
        return
    storage, messages = await _usage(tx, account_id)
    refused = limits.refusal(storage + octets, messages + count)
    if refused is not None:
        raise OverQuota(refused)


async def select_quota(tx: Tx, account_id: int, default: QuotaLimits) -> QuotaState:
    row = await tx.one(
        "SELECT quota_storage, quota_messages FROM accounts WHERE id = ?", (account_id,)
    )
    own = own_limits(row) if row is not None else QuotaLimits()
    storage, messages = await _usage(tx, account_id)
    return QuotaState(own, own.over(default), storage, messages)


async def update_quota(tx: Tx, name: str, own: QuotaLimits) -> bool:
    done = await tx.run(
        "UPDATE accounts SET quota_storage = ?, quota_messages = ? WHERE name = ?",
        (own.storage, own.messages, name),
    )
    return done > 0


def own_limits(row: Row) -> QuotaLimits:
    """An account's own setting from its ``quota_storage, quota_messages`` columns."""
    storage, messages = row
    return QuotaLimits(
        None if storage is None else int(storage), None if messages is None else int(messages)
    )


async def _usage(tx: Tx, account_id: int) -> tuple[int, int]:
    row = await tx.one(
        "SELECT COALESCE(SUM(size), 0), COALESCE(SUM(messages), 0) FROM mailboxes "
        "WHERE account_id = ?",
        (account_id,),
    )
    assert row is not None
    return int(row[0]), int(row[1])
