"""The submission listeners' SMTP protocol: AUTH required, and only under TLS.

Port 587 (RFC 6409) starts in the clear: everything but EHLO, NOOP, QUIT and
STARTTLS is answered ``530 5.7.0 Must issue a STARTTLS command first``
(RFC 3207 §4), so AUTH is offered only after TLS. Port 465 (RFC 8314 §3.3) is
TLS from the first byte; aiosmtpd knows TLS only through its own STARTTLS, so
here the protocol is told that the connection is already secure — otherwise it
would neither advertise nor accept AUTH on the implicit-TLS port.
MAIL before AUTH gets ``530 5.7.0 Authentication required`` (RFC 4954 §6).

BURL (RFC 4468 §3): after RCPT, each ``BURL imap-url`` adds the octets of a URLAUTH
URL to the message (``SubmissionHandler.burl_content`` reads them from the store), and
``BURL imap-url LAST`` hands the whole to DATA's path, answered as DATA is. A URL that
cannot be resolved is ``554 5.6.6`` (RFC 4468 §6), a message grown past the size limit
``552 5.3.4``; either ends the transaction (the client starts again with MAIL). DATA
after a BURL without LAST is ``503 5.5.1``: the pieces are not mixed.
"""

from __future__ import annotations

from typing import Any

from aiosmtpd.smtp import MISSING, Envelope, syntax

from hato.server.smtp import HatoSMTP

__all__ = ["HatoSubmission"]


class HatoSubmission(HatoSMTP):
    def __init__(self, handler: Any, *, implicit_tls: bool, **kwargs: Any) -> None:
        super().__init__(handler, auth_required=True, require_starttls=not implicit_tls, **kwargs)
        self.__implicit_tls = implicit_tls
        self.__burl: tuple[Envelope, bytearray] | None = None  # BURL's message so far
        if implicit_tls:
            self._auth_require_tls = False

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if self.__implicit_tls and self.session is not None and self.session.ssl is None:
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is not None:
                self.session.ssl = {"ssl_object": ssl_object, "cipher": ssl_object.cipher()}

    @syntax("BURL imap-url [LAST]")  # RFC 4468 §3
    async def smtp_BURL(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("BURL"):
            return
        assert self.session is not None and self.envelope is not None
        envelope = self.envelope
        if not envelope.rcpt_tos:
            await self.push("503 5.5.1 Error: need RCPT command")
            return
        words = arg.split(" ") if arg else []
        if not 1 <= len(words) <= 2 or (len(words) == 2 and words[1].upper() != "LAST"):
            await self.push("501 5.5.4 Syntax: BURL imap-url [LAST]")
            return
        content = await self.event_handler.burl_content(self.session.auth_data, words[0])
        message = self._burl_message(envelope)
        if content is None or len(message) + len(content) > (self.data_size_limit or 0):
            self._end_transaction()
            await self.push(
                "554 5.6.6 IMAP URL resolution failed"
                if content is None
                else "552 5.3.4 Error: message too big for system"
            )
            return
        message += content
        if len(words) == 1:
            await self.push("250 2.5.0 Waiting for additional BURL")
            return
        envelope.content = envelope.original_content = bytes(message)
        status = await self._call_handler_hook("DATA")
        self._end_transaction()
        await self.push("250 OK" if status is MISSING else status)

    def _end_transaction(self) -> None:
        """As after DATA: a new envelope (the client starts again with MAIL)."""
        self.__burl = None
        self.envelope = self._create_envelope()

    def _burl_message(self, envelope: Envelope) -> bytearray:
        """The octets the BURLs of this transaction have brought (a new one: none)."""
        if self.__burl is None or self.__burl[0] is not envelope:
            self.__burl = (envelope, bytearray())
        return self.__burl[1]

    @syntax("DATA")  # HELP DATA: aiosmtpd reads it from the method that answers
    async def smtp_DATA(self, arg: str) -> None:
        if self.__burl is not None and self.__burl[0] is self.envelope and self.__burl[1]:
            await self.push("503 5.5.1 Error: BURL without LAST came first")
            return
        await super().smtp_DATA(arg)
