"""SQLite's failures that are the storage's, not the request's, told plainly.

A full disk (``SQLITE_FULL``), a file or file system turned read-only
(``SQLITE_READONLY``), an I/O error (``SQLITE_IOERR``, also what a write past
the process's file size limit gives), a file that cannot be opened: each
fails every request alike until the condition ends, so the protocols answer
"try again later" (``StoreUnavailable``; ``StoreFull`` for the disk) instead
of an internal error. At open, the data directory or the file is checked to
say which one hato cannot write and what to do.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from hato.store.base import StoreFull, StoreUnavailable

__all__ = ["cannot_open", "storage_failure"]

_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_PROTOCOL,
    }
)


def storage_failure(error: sqlite3.Error) -> StoreUnavailable | None:
    """The store's own failure that ``error`` reports, or None if it is the request's."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF  # an extended code keeps its primary code in the low byte
    text = f"{error} ({error.sqlite_errorname})"
    if primary == sqlite3.SQLITE_FULL:
        return StoreFull(text)
    if primary in _UNAVAILABLE:
        return StoreUnavailable(text)
    return None


def cannot_open(path: Path, error: Exception) -> StoreUnavailable:
    """Why the database at ``path`` cannot be opened, and what to do about it."""
    return StoreUnavailable(f"cannot open the store {path}: {_cause(path, error)}")


def _cause(path: Path, error: Exception) -> str:
    directory = path.parent
    if not directory.is_dir():
        reason = error.strerror if isinstance(error, OSError) else str(error)
        return f"cannot create the data directory {directory} ({reason}): choose another --data-dir"
    if isinstance(error, sqlite3.Error) and isinstance(storage_failure(error), StoreFull):
        return f"the disk holding {directory} is full ({error}): free some space"
    problem = _not_writable(directory, path)
    if problem is None:
        return str(error)
    place, failure = problem
    if failure.errno == errno.EROFS:
        remedy = "it is on a read-only file system; choose another --data-dir"
    else:
        remedy = "give this user write access to it, or choose another --data-dir"
    return f"{place} is not writable ({failure.strerror}): {remedy}"


def _not_writable(directory: Path, path: Path) -> tuple[str, OSError] | None:
    """Try to write where SQLite must: the directory (for its journal), then the file.
    Only a failed open asks: tempfile is imported here, not by every start."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as failure:
        return f"the data directory {directory}", failure
    try:
        if path.exists():
            with path.open("r+b"):
                pass
    except OSError as failure:
        return f"the database file {path}", failure
    return None
