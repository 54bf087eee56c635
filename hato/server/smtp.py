"""aiosmtpd's SMTP and LMTP protocols, fitted with hato's shared machinery.

aiosmtpd owns the SMTP grammar (RFC 5321) and calls our handlers. This module
adds what hato needs on every SMTP-family listener: the per-address connection
gate, ``--trace`` with AUTH payloads and message bodies kept out of the log,
and RFC 2034 enhanced status codes on every reply that lacks one (aiosmtpd's
built-in replies carry none). What aiosmtpd would answer with Python's words
(``500 Error: (AttributeError) ...``, and a traceback in the log) gets an SMTP
answer and one quiet log line instead: a malformed address, a failed STARTTLS.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import MISSING, SMTP, Session, TLSSetupException, syntax

from hato import metrics
from hato.delivery.inbound import unavailable_reply
from hato.logs import event
from hato.server.gate import ConnectionGate
from hato.server.smtp_data import BulkData
from hato.session.trace import REDACTED, SessionTrace, Tracer, session_trace
from hato.store.base import StoreUnavailable

__all__ = ["HatoLMTP", "HatoSMTP", "enhance"]

log = logging.getLogger(__name__)

#: The enhanced code for each basic code that aiosmtpd sends bare (RFC 3463).
_ENHANCED = {
    "221": "2.0.0",
    "235": "2.7.0",
    "250": "2.0.0",
    "421": "4.3.0",
    "450": "4.2.0",
    "451": "4.3.0",
    "452": "4.5.3",
    "454": "4.7.0",
    "500": "5.5.2",
    "501": "5.5.4",
    "502": "5.5.1",
    "503": "5.5.1",
    "504": "5.5.4",
    "530": "5.7.0",
    "535": "5.7.8",
    "550": "5.0.0",
    "552": "5.3.4",
    "553": "5.1.3",
    "554": "5.0.0",
    "555": "5.5.4",
}
_HAS_ENHANCED = re.compile(r"^\d{3}[ -][245]\.\d{1,3}\.\d{1,3}\b")
# MAIL and RCPT's common form, <dot-atom@host.name> (RFC 5321 §4.1.2 Dot-string and
# Domain), then blanks: read without the header parser. The labels are separated by
# dots, so a failing match backtracks once per octet at most.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_PLAIN_PATH = re.compile(rf"<({_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*)>[ \t]*")


def enhance(line: str) -> str:
    """Give a reply line an RFC 2034 enhanced status code if it has none."""
    if _HAS_ENHANCED.match(line) or len(line) < 3:
        return line
    code = _ENHANCED.get(line[:3])
    if code is None:
        return line
    separator = line[3:4] or " "
    return f"{line[:3]}{separator}{code} {line[4:]}".rstrip()


class _TraceReader:
    """Turns received bytes into trace lines, hiding secrets and message bodies."""

    def __init__(self, trace: SessionTrace) -> None:
        self.trace = trace
        self.pending = b""
        self.in_data = False
        self.data_octets = 0
        self.expect_sasl = False

    def feed(self, data: bytes) -> None:
        self.pending += data
        *lines, self.pending = self.pending.split(b"\r\n")
        if len(self.pending) > 4096:
            self.pending = self.pending[-4096:]
        for line in lines:
            self._line(line)

    def _line(self, line: bytes) -> None:
        if self.in_data:
            if line == b".":
                self.in_data = False
                self.trace.client(f"[message of {self.data_octets} octets]")
                self.trace.client(".")
            else:
                self.data_octets += len(line) + 2
            return
        if self.expect_sasl:
            self.expect_sasl = False
            self.trace.client(REDACTED)
            return
        words = line.split(b" ", 2)
        if words[0].upper() == b"AUTH" and len(words) > 2:
            line = b"AUTH " + words[1] + b" " + REDACTED.encode()
        self.trace.client(line)

    def server_said(self, reply: str) -> None:
        if reply.startswith("354"):
            self.in_data = True
            self.data_octets = 0
        self.expect_sasl = reply.startswith("334")


class _Session(Session):
    """aiosmtpd's session without the ``login_data is deprecated`` warning.

    hato uses the current API (``auth_*`` methods returning ``AuthResult`` with
    ``auth_data``) and never reads ``login_data``, yet aiosmtpd 1.4 itself sets
    it after every successful AUTH, and its setter logs that warning each time
    (aio-libs/aiosmtpd#347). Here it is a plain attribute.
    """

    login_data: Any = None


class HatoSMTP(BulkData, SMTP):
    """An aiosmtpd SMTP session with hato's gate, trace and enhanced codes, reading DATA's
    message text in bulk (``BulkData``)."""

    def __init__(
        self,
        handler: Any,
        *,
        service: str,
        gate: ConnectionGate,
        tracer: Tracer | None,
        line_length: int,
        **kwargs: Any,
    ) -> None:
        self.line_length_limit = line_length  # read by SMTP.__init__ for its StreamReader
        super().__init__(handler, **kwargs)
        self.command_size_limits = self.command_size_limits.copy()
        self.__service = service
        self.__gate = gate
        self.__tracer = tracer
        self.__peer = ""
        self.__refused = False
        self.__bare_replies = False
        self.__trace_reader: _TraceReader | None = None
        self.__asked: float | None = None  # when the command now answered began to arrive

    def _create_session(self) -> Session:
        return _Session(self.loop)

    def connection_made(self, transport: Any) -> None:
        if self.transport is None:
            peer = transport.get_extra_info("peername") or ("",)
            self.__peer = str(peer[0])
            if not self.__gate.enter(self.__peer):
                self.__refused = True
                transport.write(b"421 4.7.0 Too many connections from your address\r\n")
                transport.close()
                return
            tls = transport.get_extra_info("ssl_object") is not None  # submissions (465)
            trace = session_trace(self.__tracer, self.__service, self.__peer, tls)
            if trace.enabled:
                self.__trace_reader = _TraceReader(trace)
            metrics.opened(self.__service)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self.__refused:
            return
        self.__gate.leave(self.__peer)
        metrics.closed(self.__service)
        if self.__trace_reader is not None:
            self.__trace_reader.trace.closed()
        super().connection_lost(error)

    def eof_received(self) -> bool | None:
        if self.__refused:
            return False
        result: bool | None = super().eof_received()
        return result

    def data_received(self, data: bytes) -> None:
        if self.__refused:
            return
        if self.__trace_reader is not None:
            self.__trace_reader.feed(data)
        self.__asked = self.__asked or time.perf_counter()
        super().data_received(data)

    async def push(self, status: str | bytes) -> None:
        text = status.decode("utf-8", "replace") if isinstance(status, bytes) else status
        lines = text.split("\r\n")
        if not self.__bare_replies:
            lines = [enhance(line) for line in lines]
        # aiosmtpd echoes arguments (VRFY's), whose bytes that are not UTF-8 it keeps as
        # lone surrogates: they cannot be encoded, and go out as "?".
        text = "\r\n".join(lines).encode("utf-8", "replace").decode("utf-8")
        if self.__trace_reader is not None:
            self.__trace_reader.trace.server(text)
            self.__trace_reader.server_said(lines[-1])
        if self.__asked is not None:  # the first reply line since the client's bytes
            metrics.replied(self.__service, self.__asked)
            self.__asked = None
        await super().push(text)

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """MAIL and RCPT's address; None when it is malformed (aiosmtpd answers 501).

        aiosmtpd parses it with the standard library's header parser, which raises
        AttributeError on some malformed address literals (``<a@[>``) instead of
        HeaderParseError: whatever it raises, the client sent bad syntax. The common
        form, a plain ``<local@domain>``, is read here first, as that parser would read
        it (it makes a class on every call).
        """
        plain = _PLAIN_PATH.match(arg)
        if plain is not None and not arg.startswith("(", plain.end()):
            return plain.group(1), arg[plain.end() :]
        try:
            address, rest = super()._getaddr(arg)
        except Exception:  # the parser failing is the client's bad syntax
            return None, None
        return address, rest

    async def handle_exception(self, error: Exception) -> str:
        """aiosmtpd's hook for an error inside a command: never Python's words to the client."""
        if isinstance(error, StoreUnavailable):  # the store logs the outage, once
            return unavailable_reply(error)
        if isinstance(error, TLSSetupException):  # aiosmtpd closes the connection itself
            reason = _handshake_failure(error.__cause__)
            event(log, logging.INFO, "starttls", service=self.__service, address=self.__peer,
                  result="failed", reason=reason)  # fmt: skip
            return "454 4.7.0 TLS not available due to temporary reason"
        log.exception("%s: command from %s failed", self.__service, self.__peer)
        return "451 4.3.0 Error: internal server error, try again later"

    async def smtp_STARTTLS(self, arg: str) -> None:
        """RFC 3207 §4.2: TLS starts once. aiosmtpd answers a second STARTTLS with 220
        and starts TLS inside TLS, which no client can follow."""
        if self._tls_protocol is not None:
            await self.push("503 5.5.1 Error: TLS already active")
            return
        await super().smtp_STARTTLS(arg)
        if self._tls_protocol is not None and self.__trace_reader is not None:
            self.__trace_reader.trace.secured()

    async def challenge_auth(self, challenge: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """aiosmtpd's read of one AUTH response, with an over-long line answered as
        ``sasl_challenge`` answers it."""
        try:
            return await super().challenge_auth(challenge, *args, **kwargs)
        except ValueError as error:
            await self._refuse_long_auth_response(error)
        return MISSING

    def logged_in(self, account: str) -> None:
        if self.__trace_reader is not None:
            self.__trace_reader.trace.logged_in(account)

    async def sasl_challenge(self, challenge: bytes) -> bytes | None:
        """Send one AUTH challenge (RFC 4954 §4: ``334`` and base64) and return the
        client's line as it came; None when it was over the line limit."""
        await self.push(b"334 " + challenge)
        try:
            line: bytes = await self._reader.readline()
        except ValueError as error:
            await self._refuse_long_auth_response(error)
            return None
        return line

    async def _refuse_long_auth_response(self, error: ValueError) -> None:
        """A response longer than the line limit is answered ``500 5.5.6`` (RFC 4954 §4)
        and skipped, instead of asyncio's ValueError reaching ``handle_exception`` as an
        internal error."""
        if not isinstance(error.__context__, asyncio.LimitOverrunError):
            raise error
        # readline kept nothing of the line; if its LF had not come yet, the rest
        # of it is still to be read and must not be taken for a command.
        if "not found" in str(error):
            await self._skip_line()
        await self.push("500 5.5.6 Authentication Exchange line is too long")

    async def _skip_line(self) -> None:
        while True:
            try:
                await self._reader.readuntil()
                return
            except asyncio.LimitOverrunError as overrun:
                await self._reader.read(overrun.consumed)

    # aiosmtpd's HELP reads the @syntax of the method that answers: an override repeats it
    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname: str) -> None:
        await self._bare(super().smtp_EHLO(hostname))

    @syntax("HELO hostname")
    async def smtp_HELO(self, hostname: str) -> None:
        await self._bare(super().smtp_HELO(hostname))

    async def _bare(self, replies: Any) -> None:
        """EHLO/HELO replies carry no enhanced codes (RFC 2034 §3)."""
        self.__bare_replies = True
        try:
            await replies
        finally:
            self.__bare_replies = False


def _handshake_failure(cause: BaseException | None) -> str:
    if isinstance(cause, ssl.SSLError):
        return str(cause.reason or "TLS error")
    return "the client closed the connection"


class HatoLMTP(HatoSMTP, LMTP):
    """LMTP (RFC 2033): LHLO instead of EHLO, one DATA reply per recipient."""

    @syntax("LHLO hostname")
    async def smtp_LHLO(self, hostname: str) -> None:
        await self._bare(LMTP.smtp_LHLO(self, hostname))

    async def smtp_EHLO(self, hostname: str) -> None:
        await LMTP.smtp_EHLO(self, hostname)

    async def smtp_HELO(self, hostname: str) -> None:
        await LMTP.smtp_HELO(self, hostname)
