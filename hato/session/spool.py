"""Temporary files for large literals while they arrive (hato.proto.imap._spool).

A literal above the spool threshold (an APPENDed message) is written to an
unnamed temporary file in the data directory as its octets arrive, so a slow
client holds disk, not memory; the file has no name (O_TMPFILE or unlinked at
once), so nothing is left behind whatever happens to the process. A file that
cannot be made or written (a full disk) takes the rest of the literal in vain,
so the stream stays in step, and ``read`` raises ``StoreFull`` (or
``StoreUnavailable``): the command gets its temporary failure, the session goes on.
"""

from __future__ import annotations

import contextlib
import errno
import tempfile
from pathlib import Path
from typing import IO

from hato.store.base import StoreFull, StoreUnavailable

__all__ = ["SPOOL_ABOVE", "TempSpool"]

SPOOL_ABOVE = 1024 * 1024  # literals larger than this go to disk as they arrive


class TempSpool:
    """A `LiteralSink` on an unnamed temporary file in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self._file: IO[bytes] | None = None
        self._failure: OSError | None = None
        try:
            # closed by close(): the reader that made it decides when (hato.proto.imap._spool)
            self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115
        except OSError as error:
            self._failure = error

    def write(self, data: bytes) -> None:
        if self._file is not None and self._failure is None:
            try:
                self._file.write(data)
            except OSError as error:
                self._failure = error

    def read(self) -> bytes:
        if self._file is not None and self._failure is None:
            try:
                self._file.seek(0)  # flushes what is buffered: a full disk may show only now
                return self._file.read()
            except OSError as error:
                self._failure = error
        raise _unavailable(self._failure)

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):  # what could not be flushed is not wanted
                self._file.close()


def _unavailable(error: OSError | None) -> StoreUnavailable:
    text = f"cannot keep a literal on disk: {error}"
    if error is not None and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(text)
    return StoreUnavailable(text)
