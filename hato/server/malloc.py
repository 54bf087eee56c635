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

Freed small blocks stay resident too: glibc gives back only the free memory at the top
of a heap, not the free pages between blocks in use. After a burst (a thousand RETRs,
a few thousand deliveries) about 2 MB of such pages stayed. ``Trimmer`` gives them back
(malloc_trim(3)) shortly after connections close, once for a burst of closes: a trim
costs from 0.1 to about 1 ms, and freeing what a closed session held is when there is
something to give.

The top of a heap is given back by free() itself once more than ``M_TRIM_THRESHOLD`` is
free there (128 KiB by default): a FETCH of many bodies (a batch of 256 KB read, its
answers joined, freed, the next batch read) then gave its pages back after each batch and
faulted them in again for the next, a page fault per 4 KiB (a FETCH of 1,000 bodies, 7.8
MB, spent about 5 ms of its 32 on them). ``keep_heap_top`` raises the threshold to
``TRIM_THRESHOLD``: a burst keeps its working pages; the trims after it (``Trimmer``, and
the store's once its reads pause, hato.heap) give them back, as they give back the rest.

Elsewhere (musl, macOS) nothing is done: the calls are glibc's.
"""

from __future__ import annotations

import asyncio
import ctypes

from hato.heap import libc_function

__all__ = [
    "MMAP_THRESHOLD", "TRIM_DELAY", "TRIM_THRESHOLD", "Trimmer", "keep_heap_top",
    "return_large_blocks",
]  # fmt: skip

M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
M_MMAP_THRESHOLD = -3
#: Blocks from this size up are mmaps of their own (glibc's default first threshold
#: is 128 KiB; a message line buffer or a small message stays on the heap).
MMAP_THRESHOLD = 1024 * 1024
#: Free bytes the top of a heap keeps through free() (the trims give them back).
TRIM_THRESHOLD = 4 * 1024 * 1024
#: Seconds from a connection's close to the trim (the closes meanwhile share it).
TRIM_DELAY = 0.25


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at `MMAP_THRESHOLD`; false where there is no glibc."""
    return _mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def keep_heap_top() -> bool:
    """Let free() keep up to `TRIM_THRESHOLD` free at the top of a heap (the module
    docstring says why); false where there is no glibc."""
    return _mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def _mallopt(option: int, value: int) -> bool:
    """mallopt(3); false where there is no glibc or it refused."""
    mallopt = libc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(option, value))


class Trimmer:
    """Gives the heaps' free pages back `TRIM_DELAY` seconds after ``soon()``, once for
    all the calls meanwhile (the module docstring says why); does nothing without glibc."""

    def __init__(self, delay: float = TRIM_DELAY) -> None:
        self._delay = delay
        self._trim = libc_function("malloc_trim")
        self._pending: asyncio.TimerHandle | None = None
        self.trims = 0  # done so far, for the tests

    def soon(self) -> None:
        if self._trim is None or self._pending is not None:
            return
        self._pending = asyncio.get_running_loop().call_later(self._delay, self._run)

    def _run(self) -> None:
        self._pending = None
        assert self._trim is not None
        self._trim(0)
        self.trims += 1
