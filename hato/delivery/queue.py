"""The queue runner: delivers what the outbound queue holds, retries, bounces.

Theory of operation. The runner wakes when a message is queued, and every
``_POLL`` seconds (so that ``hato queue retry`` from another process is seen).
Each pass takes the recipients that are due, resolves each domain's
destination once, and groups recipients by (message, destination): one SMTP
transaction each (RFC 5321 §4.5.3.1 allows up to 100 recipients, hato
sends them all). After a transaction, delivered recipients leave the queue;
temporary failures wait for the next step of ``[queue] retry`` until
``[queue] lifetime`` has passed since the message was queued; permanent
failures and expired ones get a bounce to the sender (RFC 3464), which is
stored or queued *before* their rows leave the queue. Every change is its own
durable commit, so after SIGKILL the queue resumes: a recipient is either
still queued or done, never lost. (A kill between the remote 250 and our
commit resends; RFC 5321 §6.1 accepts a duplicate over a loss.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from hato import metrics
from hato.config import Config
from hato.delivery.bounce import Failure, build_dsn
from hato.delivery.dispatch import Targets, commit, route
from hato.delivery.filtering import SieveFilter
from hato.delivery.received import Arrival
from hato.delivery.recipients import Lookup, split_address
from hato.logs import event
from hato.mailauth.resolver import Resolver
from hato.store.base import QueueEntry, Store, StoreUnavailable
from hato.store.meta import message_meta
from hato.tasks import cancel_until_done

if TYPE_CHECKING:
    from hato.delivery.relay import Destination, Outcome, RouteError
    from hato.mailauth.mta_sts import MtaSts

__all__ = ["QueueRunner"]

log = logging.getLogger(__name__)

_POLL = 2.0
_BATCH = 1000
_PARALLEL = 16


class QueueRunner:
    def __init__(
        self,
        store: Store,
        config: Config,
        clock: Callable[[], float] = time.time,
        resolver: Resolver | None = None,
        sieve: SieveFilter | None = None,
    ):
        self.store = store
        self.sieve = sieve  # bounces to a local sender are delivered through its script
        self.config = config
        self.resolver = resolver or Resolver(config.dns.servers, config.dns.timeout)
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(_PARALLEL)

    @cached_property
    def sts(self) -> MtaSts | None:
        """MTA-STS's policies (hato.mailauth.mta_sts), made for the first message to relay."""
        return _mta_sts(self.config, self.resolver)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hato-queue")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Cancel the runner's loop, and again until it ends (``hato.tasks``: one
        cancellation can be lost while it waits for a PostgreSQL connection)."""
        task, self._task = self._task, None
        await cancel_until_done(task)

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except StoreUnavailable:
                pass  # the store logs its outage; the next pass tries again
            except Exception:
                log.exception("queue pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), _POLL)
            self._wake.clear()

    async def run_once(self) -> None:
        """One pass over what is due now."""
        due = await self.store.queue_due(int(self.clock()), _BATCH)
        if not due:
            return
        # the SMTP client (hato.delivery.relay, aiosmtplib) is imported by the first
        # message to relay: a server that sends nothing out does not hold it
        from hato.delivery.relay import RouteError

        groups: dict[tuple[int, Destination], list[QueueEntry]] = defaultdict(list)
        routes: dict[str, Destination | RouteError] = {}
        for entry in due:
            domain = (split_address(entry.recipient) or ("", ""))[1]
            if domain not in routes:
                routes[domain] = await self._destination(domain)
            found = routes[domain]
            if isinstance(found, RouteError):
                await self._failed(entry.message_id, [entry], found.permanent, str(found), "")
            else:
                groups[(entry.message_id, found)].append(entry)
        await asyncio.gather(*(self._deliver(dest, group) for (_, dest), group in groups.items()))

    async def _destination(self, domain: str) -> Destination | RouteError:
        from hato.delivery.relay import RouteError, destination

        try:
            return await destination(
                domain, self.config.routes, self.resolver, self.sts, self.config.relay.mx_port
            )
        except RouteError as error:
            return error

    async def _deliver(self, destination: Destination, entries: list[QueueEntry]) -> None:
        first = entries[0]
        content = await self.store.queue_content(first.message_id)
        if content is None:  # deleted meanwhile (hato queue delete)
            return
        recipients = [e.recipient for e in entries]
        from hato.delivery.relay import send

        async with self._slots:
            outcome = await send(
                destination, self.config.hostname, first.sender, recipients, content,
                self.config.queue.timeout, self.config.relay_auth, self.resolver,
            )  # fmt: skip
        await self._record(entries, outcome)

    async def _record(self, entries: list[QueueEntry], outcome: Outcome) -> None:
        message_id = entries[0].message_id
        if outcome.delivered:
            await self.store.queue_done(message_id, outcome.delivered)
            _log_relay(message_id, outcome.remote, outcome.delivered, "delivered", "")
        for replies, permanent in ((outcome.permanent, True), (outcome.temporary, False)):
            failed = [e for e in entries if e.recipient in replies]
            for text in dict.fromkeys(replies[e.recipient] for e in failed):
                same = [e for e in failed if replies[e.recipient] == text]
                await self._failed(message_id, same, permanent, text, outcome.remote)

    async def _failed(
        self,
        message_id: int,
        entries: Sequence[QueueEntry],
        permanent: bool,
        text: str,
        remote: str,
    ) -> None:
        now = self.clock()
        expired = now - entries[0].created >= self.config.queue.lifetime
        recipients = [e.recipient for e in entries]
        result = "bounced" if permanent or expired else "deferred"
        _log_relay(message_id, remote, recipients, result, text)
        if permanent or expired:
            status = "5.0.0" if permanent else "4.4.7"
            reason = text if permanent else f"{text} (gave up: message expired in the queue)"
            failures = [Failure(r, status, reason, remote, bool(remote)) for r in recipients]
            await self._bounce(message_id, entries[0], failures)
            await self.store.queue_done(message_id, recipients)
            return
        delay = self.config.queue.delay(entries[0].attempts + 1)
        await self.store.queue_defer(message_id, recipients, int(now + delay), text)

    async def _bounce(self, message_id: int, entry: QueueEntry, failures: list[Failure]) -> None:
        """Tell the sender (RFC 3464); never for a message with a null reverse-path."""
        if not entry.sender:
            log.warning("dropping undeliverable bounce %s", message_id)
            return
        original = await self.store.queue_content(message_id) or b""
        now = self.clock()
        hostname = self.config.hostname
        dsn = build_dsn(hostname, entry.sender, original, failures, entry.created, now)
        directory = await self.store.directory()
        lookup, targets = await route(directory, entry.sender, self.config.local_domains)
        if lookup not in (Lookup.LOCAL, Lookup.NOT_LOCAL) or not len(targets):
            log.warning("bounce for %s: no such sender %s", message_id, entry.sender)
            return
        arrival = Arrival(hostname, "127.0.0.1", "local", hostname, f"B{message_id}", "", now)
        meta = await asyncio.to_thread(message_meta, dsn)
        targets = Targets(targets.local, targets.remote, directory=directory)
        if await commit(self.store, dsn, meta, arrival, targets, self.sieve):
            self.wake()


def _mta_sts(config: Config, resolver: Resolver) -> MtaSts | None:
    """Policies asked for through ``resolver`` and kept in ``DATA_DIR/mta-sts``; none when
    ``[relay] mta_sts`` is off."""
    if not config.relay.mta_sts:
        return None
    from hato.mailauth.mta_sts import MtaSts

    directory = config.data_dir / "mta-sts"
    return MtaSts(resolver, directory, config.relay.mta_sts_port, config.queue.timeout)


def _log_relay(
    message_id: int, host: str, recipients: Sequence[str], result: str, reply: str
) -> None:
    """One ``relay`` line per recipient of an attempt (README "Logging")."""
    level = logging.INFO if result == "delivered" else logging.WARNING
    metrics.message("relayed" if result == "delivered" else result)  # or deferred, bounced
    for recipient in recipients:
        event(
            log, level, "relay", queue=message_id, host=host or None, to=recipient,
            result=result, reply=reply or None,
        )  # fmt: skip
