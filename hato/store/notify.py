"""Change notifications: a session waiting on a mailbox learns when it changed.

The store publishes the ids of the mailboxes each committed transaction
touched (and ``account_channel`` of the account whose mailbox list, subscriptions or
annotations it changed); IMAP IDLE and the untagged updates of other sessions subscribe per
mailbox. In one process this is a table of asyncio Events; the PostgreSQL
backend also feeds it from LISTEN/NOTIFY (store/postgres/listener.py), so that
sessions on other nodes wake too. Publishing may happen on any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

__all__ = ["INDEX_CHANNEL", "Notifier", "Subscription", "account_channel"]

#: The key a write that stored bodies waiting for the full-text index publishes under
#: (hato.store.indexing); no mailbox id is 0, and accounts' channels are negative.
INDEX_CHANNEL = 0


def account_channel(account_id: int) -> int:
    """The key an account's own changes are published under (its mailboxes created,
    deleted or renamed, its subscriptions, its annotations: what IMAP NOTIFY's mailbox
    events tell, RFC 5465 §5.4-§5.6): negative, so that it never meets a mailbox id."""
    return -account_id


class Subscription:
    """One session's interest in one mailbox; ``changed`` is set on every change.

    ``first`` subscriptions are signalled before the others of the same change:
    a shared index (hato.imap.mailbox_index) must know of a change before any
    session it serves wakes up and asks it what changed. Subscriptions given the
    same ``changed`` event wake one waiter on a change to any of their mailboxes
    (the web console watches all of an account's mailboxes at once).
    """

    def __init__(
        self,
        notifier: Notifier,
        mailbox_id: int,
        first: bool = False,
        changed: asyncio.Event | None = None,
    ) -> None:
        self.mailbox_id = mailbox_id
        self.first = first
        self.changed = asyncio.Event() if changed is None else changed
        self._loop = asyncio.get_running_loop()
        self._notifier = notifier

    async def wait(self) -> None:
        """Wait for a change and clear the flag (wrap in ``asyncio.timeout`` to bound it)."""
        await self.changed.wait()
        self.changed.clear()

    def close(self) -> None:
        self._notifier.unsubscribe(self)


class Notifier:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: defaultdict[int, set[Subscription]] = defaultdict(set)

    def subscribe(
        self, mailbox_id: int, first: bool = False, changed: asyncio.Event | None = None
    ) -> Subscription:
        subscription = Subscription(self, mailbox_id, first, changed)
        with self._lock:
            self._subscribers[mailbox_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            subscribers = self._subscribers.get(subscription.mailbox_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[subscription.mailbox_id]

    def publish_all(self) -> None:
        """Wake every subscriber: after a gap in the change feed, each asks what changed."""
        with self._lock:
            mailbox_ids = list(self._subscribers)
        self.publish(mailbox_ids)

    def publish(
        self,
        mailbox_ids: Iterable[int],
        before: Mapping[asyncio.AbstractEventLoop, Callable[[], None]] | None = None,
    ) -> None:
        """Set the events of the mailboxes' subscribers, on their loops.

        ``before`` runs on its loop just ahead of that loop's events, in the same
        callback: the store settles the committing callers there, so that their
        tasks are woken before any idling session's (a delivery's reply never
        waits behind the fan-out) and still find their own change signalled.
        """
        with self._lock:
            targets = [s for m in set(mailbox_ids) for s in self._subscribers.get(m, ())]
        # the "first" ones are set before any other subscriber's event (and so before any
        # task it wakes) can run: one callback per loop sets them all, in this order
        targets.sort(key=lambda subscription: not subscription.first)
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Event]] = {}
        for loop in before or ():
            by_loop[loop] = []
        for subscription in targets:
            by_loop.setdefault(subscription._loop, []).append(subscription.changed)
        # one wake-up of each loop (a write to its self-pipe), not one per subscriber:
        # 10,000 idling sessions cost one system call, not 10,000
        for loop, events in by_loop.items():
            first = before.get(loop) if before else None
            with contextlib.suppress(RuntimeError):  # that loop has ended
                loop.call_soon_threadsafe(_wake, first, events)


def _wake(first: Callable[[], None] | None, events: list[asyncio.Event]) -> None:
    if first is not None:
        first()
    for event in events:
        event.set()
