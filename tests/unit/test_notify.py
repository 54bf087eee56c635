"""The change notifier (hato.store.notify): per-mailbox subscriptions, signalled from
any thread, with a shared index's subscription signalled before the sessions it serves."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from hato.store import Credentials, MessageMeta, open_store
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


async def test_one_change_wakes_the_loop_once_however_many_subscribers() -> None:
    """10,000 idling sessions must not cost 10,000 writes to the loop's self-pipe."""
    notifier = Notifier()
    loop = asyncio.get_running_loop()
    subscriptions = [notifier.subscribe(9) for _ in range(1000)]
    calls = 0
    original = loop.call_soon_threadsafe

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    loop.call_soon_threadsafe = counting  # type: ignore[method-assign, assignment]
    try:
        publisher = threading.Thread(target=notifier.publish, args=([9],))
        publisher.start()
        publisher.join()
        await asyncio.sleep(0)
    finally:
        del loop.call_soon_threadsafe
    assert calls == 1
    assert all(subscription.changed.is_set() for subscription in subscriptions)
    for subscription in subscriptions:
        subscription.close()


async def test_a_committing_caller_resumes_before_any_session_its_change_wakes(
    tmp_path: Path,
) -> None:
    """A delivery's reply must not wait behind the fan-out to idling sessions, and the
    writer still finds its own change signalled when it resumes (SQLite engine)."""
    store = open_store(tmp_path / "notify.sqlite3")
    try:
        account = await store.create_account("nn", Credentials(password_hash="x"))
        mailstore = store.mailstore(account.id)
        inbox = await mailstore.create_mailbox("INBOX")
        own = store.notifier.subscribe(inbox.id)
        idlers = [store.notifier.subscribe(inbox.id) for _ in range(500)]
        woken: list[int] = []

        async def idle(number: int) -> None:
            await idlers[number].changed.wait()
            woken.append(number)

        waiting = [asyncio.create_task(idle(n)) for n in range(len(idlers))]
        await asyncio.sleep(0)
        await mailstore.append("INBOX", b"Subject: hi\r\n\r\nbody\r\n", MessageMeta(), 1)
        assert own.changed.is_set()
        assert woken == []  # the old code: every idler ran first
        await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)
        for subscription in [own, *idlers]:
            subscription.close()
    finally:
        await store.close()
