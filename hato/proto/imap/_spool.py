"""Large literals kept outside memory as they arrive (RFC 3501 §4.3, §7.5).

Theory of operation.  A literal held in the reader's buffer until its command
is complete costs its size in memory, per connection, for as long as the
client takes to send it: two hundred clients APPENDing 5 MB messages hold a
gigabyte.  Given a `SpoolFactory`, the reader hands the octets of each literal
above its threshold, as they arrive, to a `LiteralSink` the server made (a
temporary file), and the parsed command carries a `SpooledLiteral` where the
bytes would be.  The proto layer does no I/O of its own: it only calls the
sink.  A command's sinks live until the reader is asked for its next event
(the dispatcher has finished the command by then) or closed: the reader
closes them, also for a command refused or abandoned half-way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["LiteralSink", "SpoolFactory", "SpooledLiteral"]


class LiteralSink(Protocol):
    """Where a literal's octets go: written in order, read back whole once complete."""

    def write(self, data: bytes) -> None: ...
    def read(self) -> bytes: ...
    def close(self) -> None: ...


#: Makes a fresh sink for one literal.
SpoolFactory = Callable[[], LiteralSink]


@dataclass(frozen=True, slots=True)
class SpooledLiteral:
    """A complete literal held by its sink; `read()` loads it."""

    size: int
    sink: LiteralSink

    def __len__(self) -> int:
        return self.size

    def read(self) -> bytes:
        return self.sink.read()
