"""Whether the store answers: one log line when it stops, one when it is back.

Theory of operation. A backend reports the outcomes that speak for the store
as a whole: ``failed`` when it cannot be reached or refuses to write (a
connection refused, a full disk), ``worked`` when a call went through. The
first failure after a success logs a ``store`` event with ``state=unavailable``
and the cause, the first success after failures one with ``state=available``
and how long it was down: one line per change of state, however many
sessions fail meanwhile, and no traceback.

While the store is down, ``admit`` lets one caller through every
``probe_interval`` seconds (that call is the probe) and refuses the others at
once, so a client hears "try again later" at once instead of after a
connection timeout, and the service resumes within a probe interval of the
store's return. A probe still under way (a connection attempt to a host that
does not answer may take ``probe_time`` seconds) holds the next one back.
Used from the event loop's thread only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from hato.logs import event
from hato.store.base import StoreUnavailable

__all__ = ["Availability"]

log = logging.getLogger(__name__)


class Availability:
    """The up/down state of one store, its transitions logged once."""

    def __init__(
        self,
        probe_interval: float = 0.25,
        probe_time: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.probe_interval = probe_interval
        self.probe_time = probe_time
        self._clock = clock
        self._down: StoreUnavailable | None = None  # the failure that took it down
        self._since = 0.0
        self._next_probe = 0.0

    @property
    def down(self) -> bool:
        return self._down is not None

    def admit(self) -> None:
        """Return if a call may try the store now; else raise what took it down."""
        if self._down is None:
            return
        now = self._clock()
        if now < self._next_probe:
            raise self._down
        self._next_probe = now + self.probe_time  # until this probe says how it went

    def failed(self, error: StoreUnavailable) -> StoreUnavailable:
        """Record a failure of the store itself; return ``error`` for the caller to raise."""
        now = self._clock()
        if self._down is None:
            event(log, logging.ERROR, "store", state="unavailable", cause=str(error))
            self._since = now
        self._down = error
        self._next_probe = now + self.probe_interval
        return error

    def worked(self) -> None:
        """Record a call that reached the store."""
        if self._down is not None:
            self._down = None
            down = f"{self._clock() - self._since:.1f}"
            event(log, logging.INFO, "store", state="available", seconds_down=down)
