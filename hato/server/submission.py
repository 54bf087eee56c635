"""The submission listeners' SMTP protocol: AUTH required, and only under TLS.

Port 587 (RFC 6409) starts in the clear: everything but EHLO, NOOP, QUIT and
STARTTLS is answered ``530 5.7.0 Must issue a STARTTLS command first``
(RFC 3207 §4), so AUTH is offered only after TLS. Port 465 (RFC 8314 §3.3) is
TLS from the first byte; aiosmtpd knows TLS only through its own STARTTLS, so
here the protocol is told that the connection is already secure — otherwise it
would neither advertise nor accept AUTH on the implicit-TLS port.
MAIL before AUTH gets ``530 5.7.0 Authentication required`` (RFC 4954 §6).
"""

from __future__ import annotations

from typing import Any

from hato.server.smtp import HatoSMTP

__all__ = ["HatoSubmission"]


class HatoSubmission(HatoSMTP):
    def __init__(self, handler: Any, *, implicit_tls: bool, **kwargs: Any) -> None:
        super().__init__(handler, auth_required=True, require_starttls=not implicit_tls, **kwargs)
        self.__implicit_tls = implicit_tls
        if implicit_tls:
            self._auth_require_tls = False

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if self.__implicit_tls and self.session is not None and self.session.ssl is None:
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is not None:
                self.session.ssl = {"ssl_object": ssl_object, "cipher": ssl_object.cipher()}
