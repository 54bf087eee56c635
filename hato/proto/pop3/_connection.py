"""The sans-IO POP3 server connection, in the manner of h11.

Theory of operation
-------------------
A Pop3Connection never touches a socket. The adapter loops:

    write(conn.greeting())
    while (event := conn.next_event()) is not CLOSED:
        NEED_DATA        -> conn.receive_data(await read())   (b"" / EOF: just close)
        Reply(data)      -> write(data)
        any other event  -> do the store / TLS work, write(conn.<answer>(...))

States (RFC 1939 §3) and the command table that is legal in each:

    AUTHORIZATION --USER+PASS / APOP / AUTH--> request --auth_succeeded()--> TRANSACTION
    AUTHORIZATION --STLS--> StartTls (input discarded) --tls_established()--> AUTHORIZATION
    TRANSACTION   --QUIT--> UPDATE: Commit --commit_done()/commit_failed()--> CLOSED
    AUTHORIZATION --QUIT-->                                                  CLOSED
    either        --too many bad commands-->                                  CLOSED

Lines are handled one at a time in arrival order (RFC 2449 PIPELINING): replies
the core can give itself accumulate and come out as one Reply; a line that
needs the adapter makes a request, and no later line is read until it is
answered. A dropped connection simply stops: Commit is never emitted, so
nothing is deleted (RFC 1939 §6).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Sequence
from typing import TypeVar

from hato.proto.pop3._authorization import sasl_step
from hato.proto.pop3._dispatch import dispatch, too_long
from hato.proto.pop3._events import (
    CLOSED,
    NEED_DATA,
    CheckApop,
    CheckPassword,
    Commit,
    Event,
    FetchScramKeys,
    LocalProtocolError,
    Reply,
    Retrieve,
    SaslResult,
    ScramKeys,
    Signal,
    StartTls,
)
from hato.proto.pop3._lines import LineReader, redact
from hato.proto.pop3._maildrop import Maildrop, Scan, dot_terminated, top_of
from hato.proto.pop3._session import (
    AUTH_FAILED,
    DEFAULT_MECHANISMS,
    Config,
    Session,
    State,
)

__all__ = ["Pop3Connection", "make_apop_timestamp"]

_E = TypeVar("_E", bound=Event)
_AUTH_TEMPFAIL = b"-ERR [SYS/TEMP] Temporary authentication failure.\r\n"


def make_apop_timestamp(hostname: str) -> str:
    """A fresh ``<pid.random@hostname>`` for the greeting (RFC 1939 §7)."""
    return f"<{os.getpid()}.{secrets.token_hex(8)}@{hostname}>"


class Pop3Connection:
    """One POP3 server session: bytes in, events out, bytes to send back."""

    def __init__(
        self,
        *,
        plaintext_allowed: bool = False,
        tls_active: bool = False,
        tls_available: bool = False,
        apop_timestamp: str | None = None,
        mechanisms: Sequence[str] = DEFAULT_MECHANISMS,
        implementation: str = "hato",
        scram_nonce: Callable[[], str] | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self._config = Config(
            plaintext_allowed,
            tls_active,
            tls_available,
            apop_timestamp,
            tuple(m.upper() for m in mechanisms),
            implementation,
            scram_nonce,
        )
        self._session = Session(self._config)
        self._reader = LineReader()
        self._on_line = on_line  # gets each client line, redacted, for --trace
        self._request: Event | None = None  # waiting for the adapter's answer
        self._undelivered: Event | None = None  # made, but a Reply goes out first
        self._discarding = False  # between STLS and tls_established()

    @property
    def state(self) -> State:
        return self._session.state

    @property
    def utf8(self) -> bool:
        """The client sent UTF8 (RFC 6856 §2): it takes internationalized messages."""
        return self._session.utf8

    def greeting(self) -> bytes:
        """RFC 1939 §4 greeting, with the APOP timestamp when APOP is possible."""
        timestamp = self._config.apop_timestamp
        return f"+OK hato ready.{' ' + timestamp if timestamp else ''}\r\n".encode()

    def receive_data(self, data: bytes) -> None:
        """Bytes from the client; ignored while STLS is pending or after the end."""
        if not self._discarding and self._session.state is not State.CLOSED:
            self._reader.feed(data)

    def next_event(self) -> Event | Signal:
        """The next thing to do: a Reply, a request to answer, NEED_DATA or CLOSED."""
        if self._undelivered is not None:
            event, self._undelivered = self._undelivered, None
            return event
        if self._request is not None:
            raise LocalProtocolError(f"answer {type(self._request).__name__} first")
        request = self._run()
        if self._session.out:
            self._undelivered = request
            return Reply(self._take_output())
        if request is not None:
            return request
        return CLOSED if self._session.state is State.CLOSED else NEED_DATA

    def _take_output(self) -> bytes:
        data = bytes(self._session.out)
        self._session.out.clear()
        return data

    def _run(self) -> Event | None:
        while self._session.state is not State.CLOSED:
            line = self._reader.next_line()
            if line is None:
                return None
            if not isinstance(line, bytes):
                self._trace("[line too long]")
                too_long(self._session)
                continue
            if self._on_line is not None:  # only a traced session pays for the redaction
                self._on_line(redact(line, sasl=self._session.sasl is not None))
            request = dispatch(self._session, line)
            if request is not None:
                self._request = request
                if isinstance(request, StartTls):
                    self._reader.clear()  # CVE-2011-0411: no pipelined plaintext survives
                    self._discarding = True
                return request
        return None

    def stop_tracing(self) -> None:
        """Client lines go nowhere from now on (the adapter's trace stopped listening:
        the class monitor lets a non-member's session go at its login): none is
        redacted for nothing."""
        self._on_line = None

    def _trace(self, text: str) -> None:
        if self._on_line is not None:
            self._on_line(text)

    def _answer(self, *kinds: type[_E]) -> _E:
        request = self._request
        if self._undelivered is not None or not isinstance(request, kinds):
            raise LocalProtocolError(f"no {'/'.join(k.__name__ for k in kinds)} is pending")
        self._request = None
        return request

    # -- answers to AUTHORIZATION requests ----------------------------------------

    def auth_succeeded(self, scan: Scan) -> bytes:
        """The credentials are good: enter TRANSACTION over this maildrop's messages (a
        ``Scan``, which the session shares and never changes)."""
        request = self._answer(CheckPassword, CheckApop, SaslResult)
        if isinstance(request, SaslResult) and not request.verified:
            raise LocalProtocolError("this SASL exchange failed; answer auth_failed()")
        session = self._session
        session.maildrop = Maildrop(scan)
        session.state = State.TRANSACTION
        session.bad_commands = 0
        return b"+OK Logged in.\r\n"

    def auth_failed(self) -> bytes:
        """Wrong credentials (after the throttle's delay): stay in AUTHORIZATION."""
        self._answer(CheckPassword, CheckApop, SaslResult)
        return AUTH_FAILED.encode() + b"\r\n"

    def auth_tempfail(self) -> bytes:
        """The store could not decide or open the maildrop (RFC 3206 SYS/TEMP)."""
        self._answer(CheckPassword, CheckApop, SaslResult)
        return _AUTH_TEMPFAIL

    def temporary_failure(self) -> bytes:
        """The store failed the pending request: RFC 3206 SYS/TEMP, and the session goes on.

        A login stays in AUTHORIZATION (a SCRAM exchange is abandoned), a RETR
        or TOP may be sent again; a failed UPDATE closes, deleting nothing.
        """
        if isinstance(self._request, Commit):
            return self.commit_failed()
        if isinstance(self._request, Retrieve):
            self._answer(Retrieve)
            return b"-ERR [SYS/TEMP] Temporary storage failure, try again later.\r\n"
        if isinstance(self._request, FetchScramKeys):
            self._answer(FetchScramKeys)
            self._session.sasl = None
            return _AUTH_TEMPFAIL
        return self.auth_tempfail()

    def scram_keys(self, keys: ScramKeys | None) -> bytes:
        """The user's stored SCRAM keys, or None when there is no such user."""
        self._answer(FetchScramKeys)
        driver = self._session.sasl
        assert driver is not None
        sasl_step(self._session, driver.provide_keys(keys))
        return self._take_output()

    def tls_established(self) -> bytes:
        """The STLS handshake is done: a fresh AUTHORIZATION state (RFC 2595 §4)."""
        self._answer(StartTls)
        self._discarding = False
        self._reader.clear()
        self._config = dataclasses.replace(self._config, tls_active=True)
        self._session = Session(self._config)
        return b""

    # -- answers to TRANSACTION and UPDATE requests --------------------------------

    def send_message(self, content: bytes) -> bytes:
        """RETR or TOP reply: status line, dot-stuffed content, final "." line."""
        request = self._answer(Retrieve)
        if request.top_lines is not None:
            return dot_terminated(top_of(content, request.top_lines), b"+OK\r\n")
        assert self._session.maildrop is not None
        size = self._session.maildrop.sizes[request.number - 1]
        return dot_terminated(content, b"+OK %d octets\r\n" % size)

    def message_vanished(self) -> bytes:
        """The store no longer has the message (expunged over IMAP meanwhile)."""
        request = self._answer(Retrieve)
        return f"-ERR Message {request.number} expunged.\r\n".encode()

    def commit_done(self) -> bytes:
        """UPDATE finished (RFC 1939 §6); the connection then closes."""
        request = self._answer(Commit)
        self._session.state = State.CLOSED
        if request.numbers:
            return b"+OK Logging out, messages deleted.\r\n"
        return b"+OK Logging out.\r\n"

    def commit_failed(self) -> bytes:
        """UPDATE failed: say so (RFC 1939 §6 -ERR) and close; nothing was deleted."""
        self._answer(Commit)
        self._session.state = State.CLOSED
        return b"-ERR [SYS/TEMP] Storage error during logout, no messages deleted.\r\n"
