"""Finding an account's messages by Message-ID."""

from __future__ import annotations

from collections.abc import Sequence

from hato.store.sql.tx import Tx

__all__ = ["select_by_message_id"]

_LIMIT = 20


async def select_by_message_id(tx: Tx, account_id: int, message_ids: Sequence[str]) -> list[bytes]:
    """The account's messages whose Message-ID is one of ``message_ids`` (at most 20).

    Used to find the message a reply answers (RFC 5322 §3.6.4 In-Reply-To and
    References), in any of the account's mailboxes.
    """
    found: list[bytes] = []
    wanted = list(dict.fromkeys(message_ids))
    for condition, params in tx.dialect.members("bm.message_id", wanted, "text"):
        rows = await tx.all(
            "SELECT m.prefix, b.data FROM blob_meta bm JOIN blobs b ON b.id = bm.blob_id "
            "JOIN messages m ON m.blob_id = bm.blob_id JOIN mailboxes x ON x.id = m.mailbox_id "
            f"WHERE x.account_id = ? AND {condition} LIMIT ?",
            (account_id, *params, _LIMIT - len(found)),
        )
        found.extend(bytes(prefix) + bytes(data) for prefix, data in rows)
        if len(found) >= _LIMIT:
            break
    return found
