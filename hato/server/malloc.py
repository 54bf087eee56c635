"""Large blocks of memory go back to the system when freed.

glibc's malloc serves a request over ``M_MMAP_THRESHOLD`` (128 KiB at first) with
its own mmap, returned to the system on free; but each such free raises the
threshold to the size freed (up to 32 MiB), so after the first large message
the next ones come from the heap arenas instead, one per worker thread, where
freed blocks stay resident and fragment. A server that parses, stores and sends
messages of several megabytes in worker threads then keeps a peak far above what
it holds: forty concurrent 5 MB APPENDs left 45–85 MB of peak resident set where
the byte budget holds about 60 (tests/e2e/test_memory.py). Fixing the threshold
(mallopt(3): setting it turns the dynamic adjustment off) keeps every message-sized
block an mmap of its own, given back the moment it is freed; the cost is a page
fault per touched page of such blocks, small next to parsing them.

Elsewhere (musl, macOS) nothing is done: the call is glibc's.
"""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["MMAP_THRESHOLD", "return_large_blocks"]

M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
#: Blocks from this size up are mmaps of their own (glibc's default first threshold
#: is 128 KiB; a message line buffer or a small message stays on the heap).
MMAP_THRESHOLD = 1024 * 1024


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at `MMAP_THRESHOLD`; false where there is no glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
