"""glibc's heap, for whichever layer frees much at once: ``trim`` gives the free pages of
every arena back to the system (malloc_trim(3)), which free() alone keeps but for the
top of a heap (``hato.server.malloc`` says why that matters, and trims after connections
close; the SQLite writer trims after giving its page cache back).

Found in the process's own symbols: glibc is loaded already, and no search for it runs
(``ctypes.util.find_library`` would start ``ldconfig``). Elsewhere (musl, macOS) these
are no-ops.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any

__all__ = ["libc_function", "trim"]


def libc_function(name: str) -> Any | None:
    """glibc's ``name`` (int arguments, an int back), or None where there is none."""
    try:
        found = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError, TypeError):
        return None
    found.restype = ctypes.c_int
    return found


@cache
def _malloc_trim() -> Any | None:
    return libc_function("malloc_trim")


def trim() -> bool:
    """Give every arena's free pages back; false where there is no glibc."""
    malloc_trim = _malloc_trim()
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True
