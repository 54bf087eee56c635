"""A hook after delivery: what the server wires in for features of a higher layer.

The delivery paths call ``tell`` once a message is durable, before the client's
250, with the envelope's recipients as the client gave them (before
aliases are expanded) and the authenticated account when there is one. The
classroom's assignments are such an observer; delivery never imports them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from hato.delivery.received import Arrival
from hato.store.base import StoreUnavailable
from hato.store.directory import Directory

__all__ = ["DeliveryObserver", "tell"]

log = logging.getLogger(__name__)


class DeliveryObserver(Protocol):
    async def delivered(
        self,
        arrival: Arrival,
        recipients: Sequence[str],
        content: bytes,
        directory: Directory | None,
        account_id: int | None,
    ) -> None:
        """``content`` was stored for ``recipients``, looked up in ``directory`` (None: none
        taken yet); ``account_id`` sent it (submission)."""


async def tell(
    observer: DeliveryObserver | None,
    arrival: Arrival,
    recipients: Sequence[str],
    content: bytes,
    directory: Directory | None,
    account_id: int | None = None,
) -> None:
    """Tell ``observer``: the message is stored already, so a failure here is only logged."""
    if observer is None:
        return
    try:
        await observer.delivered(arrival, recipients, content, directory, account_id)
    except StoreUnavailable:
        log.warning("after delivery of %s: the store is unavailable", arrival.queue_id)
    except Exception:
        log.exception("after delivery of %s", arrival.queue_id)
