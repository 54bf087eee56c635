"""One IMAP connection: read commands, run them, write the answers (RFC 3501 §2.2, §5.5).

Theory of operation.  `run()` sends the greeting and loops: bytes from the
transport go into the core's `ImapReader`; each event is answered.  A
command is checked against the state table, then run by its registered
handler, which writes untagged data with `send()` and ends with a `Reply`
(or raises `ImapError`).  Before the tagged line the dispatcher adds the
untagged updates other sessions caused (hato.imap.updates).  Commands run
one at a time, in order; a pipelining client simply finds its next command
waiting in the reader.  SASL and IDLE read their extra lines through
`next_event()`; IDLE also waits on the store's notifier through `read_task()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hato import metrics
from hato.auth.policy import plaintext_allowed
from hato.imap import capabilities
from hato.imap.context import ImapContext, Transport
from hato.imap.context_update import pending_updates
from hato.imap.names import wire_value
from hato.imap.reply import ImapError, Reply
from hato.imap.updates import FlagNews, refresh
from hato.imap.view import MailboxView
from hato.proto.imap import (
    Command,
    ContinuationNeeded,
    Event,
    ImapReader,
    Outcome,
    ParseError,
    State,
    Utf8Mode,
    Value,
    allowed,
    capability_response,
    next_state,
    outcome_of_failure,
    refusal,
    tagged,
    untagged_status,
)
from hato.session.closed import ConnectionClosed
from hato.session.trace import REDACTED, trace_output
from hato.store import Account, MailboxError, Mailstore, NoSuchMailbox, OverQuota, StoreError
from hato.store.base import StoreUnavailable

if TYPE_CHECKING:
    from hato.imap.notify import NotifyWatch

__all__ = ["ImapSession"]

log = logging.getLogger(__name__)
WRITE_CHUNK = 64 * 1024  # bytes joined into one write; asyncio's default high-water mark
JOINED = 4 * 1024 * 1024  # an answer up to this size is copied once, into one write
_UPDATE_RETRY = 1.0
_LOGIN = re.compile(rb"(\S+ +LOGIN +(?:\"[^\"]*\"|\S+)) .*", re.IGNORECASE | re.DOTALL)
# A line that ends in a literal's announcement (RFC 3501 §4.3, RFC 7888's {n+}, RFC 3516's ~{n})
_LITERAL_AHEAD = re.compile(rb"\{(\d{1,20})\+?\}\r?\Z")
_TRACED_LINES = 10  # client lines of one chunk shown in the transcript, the rest counted


def _coalesced(pieces: list[bytes]) -> Iterator[bytes]:
    """The pieces as few writes: all of them joined when they come to at most JOINED
    bytes (one copy, made in C), else runs of small pieces joined up to WRITE_CHUNK and
    each larger piece alone, uncopied (a big message's literal is not copied again)."""
    if sum(map(len, pieces)) <= JOINED:
        yield b"".join(pieces)
        return
    run: list[bytes] = []
    held = 0
    for piece in pieces:
        if held + len(piece) > WRITE_CHUNK and run:
            yield b"".join(run)
            run, held = [], 0
        if len(piece) >= WRITE_CHUNK:
            yield piece
            continue
        run.append(piece)
        held += len(piece)
    if run:
        yield b"".join(run)


class ImapSession:
    """The state of one connection; handlers in hato.imap.commands act on it."""

    def __init__(self, transport: Transport, context: ImapContext) -> None:
        self.transport = transport
        self.context = context
        self.reader = self._new_reader()
        self.state = State.NOT_AUTHENTICATED
        self.account: Account | None = None
        self._mailstore: Mailstore | None = None
        self.view: MailboxView | None = None
        self.capability_asked = False
        self.condstore = False  # RFC 7162 §3.1: on after a CONDSTORE-enabling command
        self.qresync = False  # RFC 7162 §3.2.3: on after ENABLE QRESYNC
        self.utf8 = Utf8Mode.OFF  # ENABLE UTF8=ACCEPT (RFC 6855 §3) or IMAP4rev2
        self.rev2 = False  # RFC 9051 Appendix A: IMAP4rev2's rules after ENABLE IMAP4rev2
        self.notify: NotifyWatch | None = None  # RFC 5465: the events of NOTIFY SET
        self.secret_input = False  # SASL responses are traced as [REDACTED]
        self._literal_left = 0  # octets of a literal still to come, summarised in the trace
        self._out: list[bytes] = []
        self._commands = 0
        self._read: asyncio.Task[bytes] | None = None

    # -- capabilities and authentication -------------------------------------------

    @property
    def plaintext_allowed(self) -> bool:
        """The plaintext invariant (docs/architecture.md): over TLS, from loopback, or in class."""
        t = self.transport
        return plaintext_allowed(secure=t.secure, peer=t.peer, classroom=self.context.classroom)

    def capabilities(self) -> str:
        if self.account is None:  # not authenticated, or LOGIN's reply being made
            return capabilities.before_login(
                starttls=self.transport.can_start_tls, plaintext=self.plaintext_allowed
            )
        return capabilities.after_login(
            self.context.commands.capabilities, append_limit=self.context.max_literal
        )

    def logged_in(self, account: Account) -> Reply:
        """Enter the authenticated state; `OK [CAPABILITY ...] Logged in` unless the
        client asked CAPABILITY before (then an untagged CAPABILITY, as Dovecot)."""
        self.account = account
        self._mailstore = self.context.store.mailstore(account.id)
        self.transport.trace.logged_in(account.name)
        if self.capability_asked:
            self.send(capability_response(self.capabilities()))
            return Reply("Logged in", outcome=Outcome.LOGGED_IN)
        code = f"CAPABILITY {self.capabilities()}"
        return Reply("Logged in", code=code, outcome=Outcome.LOGGED_IN)

    def logged_out(self) -> None:
        """Leave the account (UNAUTHENTICATE, RFC 8437 §3): what a login set up is
        forgotten; the dispatcher moves the state, which closes the view."""
        self.account = None
        self._mailstore = None
        self.condstore = False
        self.qresync = False
        self.utf8 = self.reader.utf8 = Utf8Mode.OFF
        self.rev2 = False
        self.set_notify(None)

    def set_notify(self, watch: NotifyWatch | None) -> None:
        """NOTIFY SET or NONE (RFC 5465 §3): the new set replaces the old."""
        if self.notify is not None:
            self.notify.close()
        self.notify = watch

    @property
    def mailstore(self) -> Mailstore:
        assert self._mailstore is not None, "the state table admits this only after login"
        return self._mailstore

    def require_view(self) -> MailboxView:
        assert self.view is not None, "the state table admits this only when selected"
        return self.view

    def close_view(self) -> None:
        if self.view is not None:
            self.view.close()
            self.view = None

    def _move(self, outcome: Outcome) -> None:
        """The one place the state changes (RFC 3501 §3); a view lives only in SELECTED."""
        self.state = next_state(self.state, outcome)
        if self.state is not State.SELECTED:
            self.close_view()

    # -- output -------------------------------------------------------------------

    def send(self, *data: bytes) -> None:
        self._out.extend(data)

    def chunk_queued(self) -> bool:
        """Whether what was sent and not written yet (``flush`` writes it) comes to
        ``WRITE_CHUNK`` bytes or more: worth a write of its own mid-answer."""
        return sum(map(len, self._out)) >= WRITE_CHUNK

    async def flush(self) -> None:
        """Write what was sent, waiting for the transport to drain: small pieces are
        joined, a large one (a message's literal data) is written as it is, uncopied."""
        if not self._out:
            return
        out, self._out = self._out, []
        if self.transport.trace.enabled:
            trace_output(self.transport.trace, b"".join(out))
        for data in _coalesced(out):
            await self.transport.write(data)

    # -- input --------------------------------------------------------------------

    def read_task(self) -> asyncio.Task[bytes]:
        """The pending read of the next chunk (IDLE waits on it with the notifier)."""
        if self._read is None:
            self._read = asyncio.ensure_future(self.transport.read())
        return self._read

    async def receive(self) -> None:
        """Wait for the next chunk and give it to the reader: from the read IDLE or
        NOTIFY left pending if there is one, else read here (no task a command)."""
        task = self._read
        if task is None:
            data = await self.transport.read()
        else:
            try:
                data = await task
            finally:
                self._read = None
        self._trace_input(data)
        self.reader.receive_data(data)

    async def next_event(self) -> Event:
        while True:
            event = self.reader.next_event()
            if event is not None:
                return event
            await self.flush()
            if self.notify is None or self.reader.in_command:
                await self.receive()
            else:
                await self._receive_or_notify(self.notify)

    async def _receive_or_notify(self, watch: NotifyWatch) -> None:
        """Between commands under NOTIFY (RFC 5465 §3): the client's next bytes, or the
        events it asked for, whichever come first."""
        read = self.read_task()
        waits: set[asyncio.Future[object]] = {read, asyncio.ensure_future(watch.changed.wait())}  # type: ignore[arg-type]
        if self.view is not None and watch.tells_selected:
            waits.add(asyncio.ensure_future(self.view.subscription.changed.wait()))
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending - {read}:
            task.cancel()
        if read in done:
            await self.receive()
            return
        if self.view is not None and watch.tells_selected:
            await self._updates(not watch.delays_expunge)
        await self.notify_updates()

    async def notify_updates(self) -> None:
        """The NOTIFY events of mailboxes other than the selected one (hato.imap.notify)."""
        if self.notify is None:
            return
        try:
            lines = await self.notify.pending(self)
        except StoreUnavailable:  # asked again a second on, as the view's updates are
            asyncio.get_running_loop().call_later(_UPDATE_RETRY, self.notify.changed.set)
            return
        for line in lines:
            self.send(line)

    def _trace_input(self, data: bytes) -> None:
        """The client's lines for the transcript: a literal (a message, a password) as
        ``<literal, n octets>``, LOGIN's password and SASL data as ``[REDACTED]``, at most
        ``_TRACED_LINES`` lines of one chunk."""
        trace = self.transport.trace
        if not trace.enabled:
            return
        if self.secret_input:
            trace.client(REDACTED)
            return
        shown = 0
        while data:
            if self._literal_left:
                taken = min(self._literal_left, len(data))
                self._literal_left -= taken
                data = data[taken:]
                continue
            line, ended, data = data.partition(b"\n")
            if not line.strip():
                continue
            shown += 1
            if shown > _TRACED_LINES:
                more = data.count(b"\n") + 1
                trace.client(f"[... {more} more lines]")
                return
            trace.client(_LOGIN.sub(rb"\1 " + REDACTED.encode(), line))
            if ended and (ahead := _LITERAL_AHEAD.search(line)) is not None:
                self._literal_left = int(ahead.group(1))
                trace.client(f"<literal, {self._literal_left:,} octets>")

    # -- the loop -----------------------------------------------------------------

    async def run(self) -> None:
        greeting = untagged_status("OK", "hato ready.", f"CAPABILITY {self.capabilities()}")
        self.send(greeting)
        try:
            while self.state is not State.LOGOUT:
                await self.handle(await self.next_event())
                await self.flush()
        finally:
            self.close_view()
            self.set_notify(None)
            self.reader.close()
            if self._read is not None:
                self._read.cancel()
                with contextlib.suppress(BaseException):
                    await self._read

    async def handle(self, event: Event) -> None:
        if isinstance(event, ContinuationNeeded):
            self.send(event.data)
        elif isinstance(event, ParseError):
            self.send(event.to_bytes())
        elif isinstance(event, Command):
            self._commands += 1
            if self._commands > self.context.max_commands:
                self.send(untagged_status("BYE", "Too many commands."))
                self._move(Outcome.LOGGED_OUT)
                return
            await self.dispatch(event)

    async def dispatch(self, command: Command) -> None:
        if not allowed(command, self.state):
            self.send(refusal(command, self.state).to_bytes())
            return
        handler = self.context.commands.handlers.get(type(command))
        if handler is None:
            text = f"Error in IMAP command {command.name}: Unknown command."
            self.send(tagged(command.tag, "BAD", text))
            return
        with metrics.timed("imap", command.name):
            reply = await self._run(handler.run, command)
        outcome = reply.outcome
        if outcome is None and reply.status == "NO":
            outcome = outcome_of_failure(command)
        if outcome is not None:
            self._move(outcome)
        if self.view is not None and handler.updates:
            expunges = handler.expunges or bool(getattr(command, "uid", False))
            await self._updates(expunges)
        if handler.updates:
            await self.notify_updates()
        self.send(tagged(command.tag, reply.status, reply.text, reply.code))
        if reply.then is not None:
            await self.flush()
            await reply.then()

    async def _run(self, run: object, command: Command) -> Reply:
        try:
            return await run(self, command)  # type: ignore[operator, no-any-return]
        except ImapError as error:
            if error.reply.status == "BAD":
                text = f"Error in IMAP command {command.name}: {error.reply.text}"
                return Reply(text, "BAD", error.reply.code)
            return error.reply
        except NoSuchMailbox as error:
            return Reply(f"Mailbox doesn't exist: {error}", "NO", "NONEXISTENT")
        except MailboxError as error:
            return Reply(str(error) or "Mailbox error.", "NO")
        except OverQuota:  # RFC 9208 §4.3: the OVERQUOTA code (RFC 5530); Dovecot's words
            return Reply("Quota exceeded (mailbox for user is full)", "NO", "OVERQUOTA")
        except StoreUnavailable as error:  # RFC 5530: a subsystem is down, try again
            return Reply(error.reason, "NO", "UNAVAILABLE")
        except StoreError as error:
            return Reply(str(error) or "Store error.", "NO")
        except ConnectionClosed:  # the client left mid-command (IDLE, AUTHENTICATE): no bug
            raise
        except Exception:
            log.exception("IMAP command %s failed", command.name)
            text = "Internal error occurred. Refer to server log for more information."
            return Reply(text, "NO", "SERVERBUG")

    async def _updates(self, expunges: bool) -> None:
        view = self.require_view()
        newest = view.uids[-1] if view.uids else 0
        try:
            news = FlagNews.TOLD if self.notify is None else self.notify.flag_news
            lines = await refresh(
                self.mailstore, view, expunges, self.condstore, self.qresync, news
            )
            lines += await pending_updates(self)
        except StoreUnavailable:
            # Told later: the change is asked for again once the store answers (a
            # second on, so that IDLE does not spin while it is down).
            asyncio.get_running_loop().call_later(_UPDATE_RETRY, view.subscription.changed.set)
            return
        except NoSuchMailbox:
            self.send(untagged_status("BYE", "Selected mailbox was deleted, have to disconnect."))
            self._move(Outcome.LOGGED_OUT)
            return
        for line in lines:
            self.send(line)
        if self.notify is not None:
            await self.notify.fetch_new(self, newest)

    async def report_pending(self) -> None:
        """Queue every untagged update now (EXPUNGE, IDLE), before the command's own;
        in IDLE, NOTIFY's events of other mailboxes too (RFC 5465 §3)."""
        if self.view is not None:
            await self._updates(True)

    def reset_reader(self) -> None:
        """A fresh reader after STARTTLS: nothing sent in plaintext is kept."""
        self.reader.close()
        self.reader = self._new_reader()
        self.reader.utf8 = self.utf8

    def mailbox_value(self, name: str, quoted: bool = True) -> Value:
        """A mailbox name for this session's responses (hato.imap.names.wire_value)."""
        return wire_value(name, quoted, utf8=self.utf8 is not Utf8Mode.OFF)

    def enable_rev2(self) -> None:
        """ENABLE IMAP4rev2 (RFC 9051 Appendix A): its rules from the next command on,
        a mailbox selected already included (no \\Recent from now on)."""
        self.rev2 = True
        self.enable_utf8(Utf8Mode.NAMES)
        if self.view is not None:
            self.view.forget_recent()

    def enable_utf8(self, mode: Utf8Mode) -> None:
        """From the next command on, names are read and written as UTF-8; with
        UTF8=ACCEPT (RFC 6855 §3, §4) APPEND takes ``UTF8 (literal8)`` and SEARCH no
        CHARSET, which IMAP4rev2 alone (RFC 9051 §5.1, §6.4.4) does not change."""
        self.utf8 = self.reader.utf8 = max(self.utf8, mode)

    def _new_reader(self) -> ImapReader:
        context = self.context
        return ImapReader(
            max_line=context.max_line,
            max_literal=context.max_literal,
            spool=context.spool,
            spool_above=context.spool_above,
        )
