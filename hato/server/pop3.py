"""The POP3 adapter: sockets and the store around the sans-IO core (hato.proto.pop3).

One coroutine per client: read bytes, feed ``Pop3Connection``, carry out the
events it emits against the store, write what it returns. POP3 sees the
account's INBOX as it was at login (RFC 1939 §3: message numbers are fixed
for the session); UIDL strings are ``%08x`` of the UID followed by ``%08x`` of
UIDVALIDITY (Dovecot's ``pop3_uidl_format = %08Xu%08Xv``), so they are unique,
stable across sessions and untouched by flag changes. DELE takes effect only
in the UPDATE state after QUIT; a dropped connection deletes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from array import array
from dataclasses import dataclass, field

from hato import metrics
from hato.auth.authenticator import LoginAttempt
from hato.mime import as_legacy, may_downgrade
from hato.proto import pop3
from hato.server.context import ServiceContext
from hato.server.listener import Connection
from hato.server.maildrops import KeptMaildrop, stamp
from hato.session.trace import trace_output
from hato.store.base import (
    INBOX,
    Account,
    FlagMode,
    Mailbox,
    Mailstore,
    StoreError,
    StoreUnavailable,
)

__all__ = ["serve_pop3"]

log = logging.getLogger(__name__)


@dataclass
class _Pop3Session:
    context: ServiceContext
    connection: Connection
    core: pop3.Pop3Connection
    mailstore: Mailstore | None = None
    inbox: Mailbox | None = None
    uids: array[int] = field(default_factory=lambda: array("q"))
    sizes: array[int] = field(default_factory=lambda: array("q"))
    seen: set[int] = field(default_factory=set)  # RETRieved, flagged \Seen at the end

    async def send(self, data: bytes) -> None:
        trace_output(self.connection.trace, data)
        await self.connection.write(data)

    async def run(self) -> None:
        try:
            await self.converse()
        finally:
            await self.flag_seen()

    async def converse(self) -> None:
        await self.send(self.core.greeting())
        while (event := self.core.next_event()) is not pop3.CLOSED:
            if event is pop3.NEED_DATA:
                self.core.receive_data(await self.connection.read())
            elif isinstance(event, pop3.Reply):
                await self.send(event.data)
            else:
                with metrics.timed("pop3"):
                    answer = await self.answer_or_defer(event)
                await self.send(answer)

    async def answer_or_defer(self, event: pop3.Event | pop3.Signal) -> bytes:
        """The answer, or RFC 3206's SYS/TEMP when the store fails: the session goes on."""
        try:
            return await self.answer(event)
        except StoreUnavailable:
            return self.core.temporary_failure()  # the store's outage is logged once
        except StoreError:
            log.exception("POP3: the store failed %s", type(event).__name__)
            return self.core.temporary_failure()

    async def answer(self, event: pop3.Event | pop3.Signal) -> bytes:
        match event:
            case pop3.CheckPassword(user=user, password=password, method=method):
                auth = self.context.authenticator
                account = await auth.password(user, password, self.attempt(method))
                return await self.logged_in(account)
            case pop3.CheckApop(user=user, timestamp=timestamp, digest=digest):
                auth = self.context.authenticator
                account = await auth.apop(user, timestamp, digest, self.attempt("APOP"))
                return await self.logged_in(account)
            case pop3.FetchScramKeys(user=user):
                return await self.scram_keys(user)
            case pop3.SaslResult(user=user, verified=verified, method=method):
                auth = self.context.authenticator
                account = await auth.concluded(verified, user, self.attempt(method))
                return await self.logged_in(account)
            case pop3.StartTls():
                await self.connection.start_tls()
                return self.core.tls_established()
            case pop3.Retrieve(number=number, top_lines=top_lines):
                return await self.retrieve(number, top_lines)
            case pop3.Commit(numbers=numbers):
                return await self.commit(numbers)
        raise pop3.LocalProtocolError(f"unexpected event {event!r}")

    async def logged_in(self, account: Account | None) -> bytes:
        if account is None:
            return self.core.auth_failed()
        trace = self.connection.trace
        trace.logged_in(account.name)
        if not trace.enabled:
            self.core.stop_tracing()
        return await self.open_maildrop(account.id)

    async def open_maildrop(self, account_id: int) -> bytes:
        """TRANSACTION over INBOX: its UIDs and sizes in two arrays, which the core's
        ``Scan`` shares (16 bytes a message; UIDL strings made when asked), kept for the
        next login while INBOX does not change (``hato.server.maildrops``)."""
        self.mailstore = self.context.store.mailstore(account_id)
        self.inbox = await self.mailstore.get_mailbox(INBOX)
        if self.inbox is None:
            raise StoreError("no INBOX")
        current = stamp(account_id, self.inbox)  # read before the listing: see maildrops
        kept = self.context.maildrops.get(current)
        metrics.maildrop(kept is not None)
        if kept is None:
            kept = await self.read_maildrop(self.inbox)
            self.context.maildrops.keep(current, kept)
        self.uids, self.sizes = kept.uids, kept.sizes
        return self.core.auth_succeeded(kept.scan)

    async def read_maildrop(self, inbox: Mailbox) -> KeptMaildrop:
        assert self.mailstore is not None
        return KeptMaildrop.of(await self.mailstore.listing(inbox.id), inbox.uidvalidity)

    async def flag_seen(self) -> None:
        """Mark RETRieved messages \\Seen in one write, as Dovecot does at the session's end.

        One durable commit per RETR would make downloading a mailbox cost one
        fsync per message; the flags are not a deletion, so a dropped connection
        still sets them (best effort).
        """
        if not self.seen or self.mailstore is None or self.inbox is None:
            return
        uids, self.seen = sorted(self.seen), set()
        try:
            await self.mailstore.store_flags(self.inbox.id, uids, ["\\Seen"], FlagMode.ADD)
        except StoreUnavailable as error:
            log.warning("POP3: %d messages not flagged \\Seen: %s", len(uids), error)
        except StoreError:
            log.exception("POP3: could not flag %d messages \\Seen", len(uids))

    def attempt(self, method: str) -> LoginAttempt:
        return LoginAttempt("pop3", method, self.connection.peer)

    async def scram_keys(self, user: str) -> bytes:
        attempt = self.attempt("SCRAM-SHA-256")
        found = await self.context.authenticator.scram_keys(user, attempt)
        return self.core.scram_keys(found[1] if found else None)

    async def retrieve(self, number: int, top_lines: int | None) -> bytes:
        assert self.mailstore is not None and self.inbox is not None
        uid = self.uids[number - 1]
        size = self.sizes[number - 1]
        content = await self.mailstore.read_message(self.inbox.id, uid, size=size)
        if content is None:
            return self.core.message_vanished()
        if top_lines is None:  # RETR: the message has been read (seen by IMAP too)
            self.seen.add(uid)
        if not self.core.utf8 and may_downgrade(content):  # RFC 6856: downgraded (RFC 6858)
            content = await asyncio.to_thread(as_legacy, content)  # headers may be megabytes
        return self.core.send_message(content)

    async def commit(self, numbers: tuple[int, ...]) -> bytes:
        await self.flag_seen()  # before QUIT's reply, so the client sees it done
        if not numbers:
            return self.core.commit_done()
        assert self.mailstore is not None and self.inbox is not None
        await self.mailstore.expunge(self.inbox.id, [self.uids[n - 1] for n in numbers])
        return self.core.commit_done()


async def serve_pop3(context: ServiceContext, connection: Connection) -> None:
    """Run one POP3 session (RFC 1939) on an accepted connection."""
    trace = connection.trace
    core = pop3.Pop3Connection(
        plaintext_allowed=context.plaintext_ok(connection),
        tls_active=connection.secure,
        tls_available=connection.can_start_tls,
        apop_timestamp=pop3.make_apop_timestamp(context.config.hostname),
        on_line=trace.client if trace.enabled else None,
    )
    await _Pop3Session(context, connection, core).run()
