"""SQL for finding an account's messages by Message-ID (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence

from hato.store.postgres.engine import Tx

__all__ = ["select_by_message_id"]

_LIMIT = 20


async def select_by_message_id(tx: Tx, account_id: int, message_ids: Sequence[str]) -> list[bytes]:
    """The account's messages whose Message-ID is one of ``message_ids`` (at most 20).

    Used to find the message a reply answers (RFC 5322 §3.6.4 In-Reply-To and
    References), in any of the account's mailboxes.
    """
    rows = await tx.all(
        "SELECT m.prefix, b.data FROM blob_meta bm JOIN blobs b ON b.id = bm.blob_id "
        "JOIN messages m ON m.blob_id = bm.blob_id JOIN mailboxes x ON x.id = m.mailbox_id "
        "WHERE x.account_id = %s AND bm.message_id = ANY(%s::text[]) LIMIT %s",
        (account_id, list(dict.fromkeys(message_ids)), _LIMIT),
    )
    return [bytes(prefix) + bytes(data) for prefix, data in rows]
