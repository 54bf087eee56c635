"""What the web console is given by the server: ``request.app[WEB]``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from hato.auth.authenticator import Authenticator
from hato.classroom.monitor import ClassMonitor
from hato.config import Config
from hato.delivery.submission import SubmissionHandler
from hato.store.base import Store
from hato.store.notify import Notifier

__all__ = ["WEB", "WebContext"]


@dataclass(frozen=True, slots=True)
class WebContext:
    config: Config
    store: Store
    authenticator: Authenticator  # the same one, and so the same throttle, as IMAP's
    secret: bytes  # signs the session cookies (web/session.py)
    listeners: Mapping[str, tuple[str, int]]  # service -> (host, port), filled at start
    submission: SubmissionHandler | None = None  # the submission path, for the API's send
    monitor: ClassMonitor | None = None  # the class's sessions, live (the classroom pages)
    refresh_class: Callable[[], Awaitable[None]] | None = None  # after the roster changed

    @property
    def events(self) -> Notifier:
        """New mail and flag changes, per mailbox: the store's notifier (SSE, wait)."""
        return self.store.notifier


WEB = web.AppKey("hato.web", WebContext)
