"""What every protocol adapter is given: configuration, store and authenticator."""

from __future__ import annotations

from dataclasses import dataclass, field

from hato.auth.authenticator import Authenticator
from hato.auth.policy import plaintext_allowed
from hato.config import Config
from hato.server.listener import Connection
from hato.server.maildrops import MaildropCache
from hato.session.budget import ByteBudget
from hato.store.base import Store

__all__ = ["ServiceContext"]


@dataclass(frozen=True, slots=True)
class ServiceContext:
    config: Config
    store: Store
    authenticator: Authenticator
    append_budget: ByteBudget = field(default_factory=ByteBudget)  # one for all sessions
    maildrops: MaildropCache = field(default_factory=MaildropCache)  # POP3's, kept

    def plaintext_ok(self, connection: Connection) -> bool:
        """The plaintext invariant (docs/architecture.md): over TLS, loopback, or in class."""
        return plaintext_allowed(
            secure=connection.secure, peer=connection.peer, classroom=self.config.classroom
        )
