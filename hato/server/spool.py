"""Temporary files for large literals while they arrive (hato.proto.imap._spool).

A literal above the spool threshold (an APPENDed message) is written to an
unnamed temporary file in the data directory as its octets arrive, so a slow
client holds disk, not memory; the file has no name (O_TMPFILE or unlinked at
once), so nothing is left behind whatever happens to the process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

__all__ = ["SPOOL_ABOVE", "TempSpool"]

SPOOL_ABOVE = 1024 * 1024  # literals larger than this go to disk as they arrive


class TempSpool:
    """A `LiteralSink` on an unnamed temporary file in ``directory``."""

    def __init__(self, directory: Path) -> None:
        # closed by close(): the reader that made it decides when (hato.proto.imap._spool)
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def read(self) -> bytes:
        self._file.seek(0)
        return self._file.read()

    def close(self) -> None:
        self._file.close()
