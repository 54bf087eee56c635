"""Live updates for the mail view: server-sent events (HTML Living Standard §9.2).

Theory of operation. A page of the mail view opens one ``EventSource`` on ``/mail/events``.
Its stream subscribes to every mailbox of the account with the store's notifier (the one
that wakes IMAP IDLE), all subscriptions sharing one ``asyncio.Event``. A committed
delivery, flag change or expunge sets that event; the stream wakes, reads the account's
mailbox counters once and, if they differ from what it last sent, sends one ``mailboxes``
event: each mailbox's id, name, messages, unseen, uidnext and highest modseq. The page
updates its unseen counts and, when the mailbox it shows has changed, fetches its list
again.

Nobody waits for a stream. Publishing only sets an event (a flag, not a queue), so a burst
of deliveries is one wake-up, and a stream that has not caught up holds no backlog. Each
stream sends at most one event per ``EVENT_INTERVAL``, a keep-alive comment after
``KEEPALIVE`` seconds of quiet (so that a vanished client is noticed), and gives a client
``WRITE_TIMEOUT`` seconds to take each write before it is dropped; an account may hold
``STREAMS_PER_ACCOUNT`` streams at once, and a client that closed its connection frees
its place within ``LOOK_AGAIN`` seconds. When the server stops, every stream ends at once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from aiohttp import web

from hato.store.base import Mailbox, Mailstore
from hato.store.notify import Notifier, Subscription

__all__ = [
    "EVENT_INTERVAL",
    "KEEPALIVE",
    "KEEPALIVE_LINE",
    "LOOK_AGAIN",
    "RETRY_LINE",
    "STREAMS_PER_ACCOUNT",
    "WRITE_TIMEOUT",
    "EventStreams",
    "TooManyStreams",
    "encode_event",
    "send_within",
    "stream_mailboxes",
]

EVENT_INTERVAL = 0.25  # seconds between two events of one stream, at least
KEEPALIVE = 15.0  # seconds of quiet before a comment line is sent
LOOK_AGAIN = 1.0  # seconds between two looks at whether the client is still connected
WRITE_TIMEOUT = 5.0  # seconds a client has to take one write
STREAMS_PER_ACCOUNT = 8  # a few tabs; each stream holds one subscription per mailbox
RETRY_MS = 2000  # how long the browser waits before it reconnects (§9.2.6 "retry")


def encode_event(name: str, data: str) -> bytes:
    """One event in the ``text/event-stream`` format (HTML Living Standard §9.2.6).

    A "data:" line per line of ``data`` (the browser joins them with LF); a blank line
    dispatches the event. ``name`` is ours, one word, never client input.
    """
    lines = [f"event: {name}"] + [f"data: {line}" for line in data.split("\n")]
    return ("\n".join(lines) + "\n\n").encode()


KEEPALIVE_LINE = b": keep-alive\n\n"  # a comment: ignored by the browser (§9.2.6)
RETRY_LINE = f"retry: {RETRY_MS}\n\n".encode()


class TooManyStreams(Exception):
    """The account has ``STREAMS_PER_ACCOUNT`` streams open already."""


class EventStreams:
    """The open streams of the process: how many per account, and the signal to end them."""

    def __init__(self, per_account: int = STREAMS_PER_ACCOUNT) -> None:
        self.per_account = per_account
        self.closing = asyncio.Event()
        self._open: Counter[int] = Counter()

    @contextmanager
    def admit(self, account_id: int) -> Iterator[None]:
        """Hold one of the account's stream places for the ``with`` block."""
        if self._open[account_id] >= self.per_account:
            raise TooManyStreams
        self._open[account_id] += 1
        try:
            yield
        finally:
            self._open[account_id] -= 1
            if not self._open[account_id]:
                del self._open[account_id]

    def open_streams(self) -> int:
        return self._open.total()

    def close_all(self) -> None:
        """End every stream (the server is stopping): their handlers return at once."""
        self.closing.set()


class MailboxWatch:
    """One stream's subscriptions to a set of mailboxes, all setting one event."""

    def __init__(self, notifier: Notifier) -> None:
        self.changed = asyncio.Event()
        self._notifier = notifier
        self._subscriptions: dict[int, Subscription] = {}

    def watch(self, mailbox_ids: Sequence[int]) -> bool:
        """Watch exactly these mailboxes (a mailbox created or deleted since is followed).

        True when a mailbox was added: its changes before this call were not seen, so the
        caller reads the counters again.
        """
        wanted = set(mailbox_ids)
        for mailbox_id in set(self._subscriptions) - wanted:
            self._subscriptions.pop(mailbox_id).close()
        added = wanted - set(self._subscriptions)
        for mailbox_id in added:
            self._subscriptions[mailbox_id] = self._notifier.subscribe(
                mailbox_id, changed=self.changed
            )
        return bool(added)

    def close(self) -> None:
        for subscription in self._subscriptions.values():
            subscription.close()
        self._subscriptions.clear()


def mailboxes_data(mailboxes: Sequence[Mailbox]) -> str:
    """The ``mailboxes`` event's data: what the page shows of each mailbox, as JSON."""
    return json.dumps(
        [
            {
                "id": mailbox.id,
                "name": mailbox.name,
                "messages": mailbox.messages,
                "unseen": mailbox.unseen,
                "uidnext": mailbox.uidnext,
                "modseq": mailbox.highestmodseq,
            }
            for mailbox in mailboxes
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


async def send_within(response: web.StreamResponse, data: bytes) -> None:
    """Write, giving the client ``WRITE_TIMEOUT`` to take it (TimeoutError if it does not)."""
    async with asyncio.timeout(WRITE_TIMEOUT):
        await response.write(data)


async def _next_change(
    watch: MailboxWatch, closing: asyncio.Event, connected: Callable[[], bool]
) -> bool:
    """Wait for a change, at most ``KEEPALIVE`` seconds: True on a change, False on quiet.

    Returns False at once when ``closing`` is set, and within ``LOOK_AGAIN`` seconds when
    the client has gone (the caller checks both).
    """
    waiters = [asyncio.ensure_future(watch.changed.wait()), asyncio.ensure_future(closing.wait())]
    try:
        quiet = 0.0
        while quiet < KEEPALIVE and connected() and not closing.is_set():
            done, _ = await asyncio.wait(
                waiters, timeout=LOOK_AGAIN, return_when=asyncio.FIRST_COMPLETED
            )
            if done:
                break
            quiet += LOOK_AGAIN
    finally:
        for waiter in waiters:
            waiter.cancel()
    changed = watch.changed.is_set()
    watch.changed.clear()
    return changed


async def stream_mailboxes(
    response: web.StreamResponse,
    mailstore: Mailstore,
    notifier: Notifier,
    closing: asyncio.Event,
    connected: Callable[[], bool],
) -> None:
    """Send ``mailboxes`` events on ``response`` (prepared) until the client or server goes.

    The first event is sent at once, so that a page rendered just before a delivery still
    learns of it. ``connected`` says whether the client is still there (a closed tab frees
    its place within ``LOOK_AGAIN`` seconds, without waiting for a write to fail).
    """
    watch = MailboxWatch(notifier)
    sent = ""
    try:
        await send_within(response, RETRY_LINE)
        changed = True
        while connected() and not closing.is_set():
            if changed:
                mailboxes = await mailstore.list_mailboxes()
                if watch.watch([mailbox.id for mailbox in mailboxes]):
                    watch.changed.set()  # read again, now that the new mailbox is watched
                data = mailboxes_data(mailboxes)
                if data != sent:
                    await send_within(response, encode_event("mailboxes", data))
                    sent = data
                await asyncio.sleep(EVENT_INTERVAL)
            else:
                await send_within(response, KEEPALIVE_LINE)
            changed = await _next_change(watch, closing, connected)
    except (TimeoutError, ConnectionError):
        pass  # a slow or vanished client: its stream ends, nobody else noticed
    finally:
        watch.close()
