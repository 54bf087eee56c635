"""The change notifier (hato.store.notify): per-mailbox subscriptions, signalled from
any thread, with a shared index's subscription signalled before the sessions it serves."""

from __future__ import annotations

import asyncio
import threading

from hato.store.notify import Notifier


async def test_only_subscribers_of_the_mailbox_are_signalled() -> None:
    notifier = Notifier()
    inbox, other = notifier.subscribe(1), notifier.subscribe(2)
    notifier.publish([1])
    await asyncio.sleep(0)
    assert inbox.changed.is_set()
    assert not other.changed.is_set()
    inbox.close()
    notifier.publish([1])
    await asyncio.sleep(0)
    other.close()


async def test_first_subscriptions_are_set_before_any_woken_session_runs() -> None:
    notifier = Notifier()
    sessions = [notifier.subscribe(7) for _ in range(200)]
    index = notifier.subscribe(7, first=True)  # subscribed last, signalled first
    seen: list[bool] = []

    async def session_wakes(number: int) -> None:
        await sessions[number].changed.wait()
        seen.append(index.changed.is_set())

    waiting = [asyncio.create_task(session_wakes(n)) for n in range(len(sessions))]
    await asyncio.sleep(0)
    publisher = threading.Thread(target=notifier.publish, args=([7],))
    publisher.start()
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=10)
    publisher.join()
    assert len(seen) == len(sessions)
    assert all(seen)


async def test_subscriptions_sharing_an_event_wake_one_waiter_for_any_mailbox() -> None:
    notifier = Notifier()
    changed = asyncio.Event()
    watched = [notifier.subscribe(mailbox, changed=changed) for mailbox in (1, 2, 3)]
    notifier.publish([3])
    await asyncio.wait_for(changed.wait(), timeout=10)
    changed.clear()
    notifier.publish([4])
    await asyncio.sleep(0)
    assert not changed.is_set()
    for subscription in watched:
        subscription.close()
