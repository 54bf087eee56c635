"""hato.server.malloc: glibc's mmap threshold is fixed (the effect on a real server's
peak memory is tests/e2e/test_memory.py's concurrent APPEND test).

Checked in a fresh interpreter, as `hato serve` calls it at its start: in a process
whose heap already holds large free chunks, malloc serves from those first.
"""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

PROBE = """
import ctypes, ctypes.util, sys
from hato.server.malloc import MMAP_THRESHOLD, return_large_blocks
fixed = sys.argv[1] == "fixed" and return_large_blocks()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
# Freeing a large mmapped block raises glibc's dynamic threshold past 1 MiB ...
libc.free(ctypes.c_void_p(libc.malloc(8 * MMAP_THRESHOLD)))
# ... a fixed one keeps a block at the threshold an mmap of its own, its address
# page-aligned plus the 16-byte chunk header (heap blocks are not, several in a row).
blocks = [libc.malloc(MMAP_THRESHOLD) for _ in range(4)]
print(fixed, all(block % 4096 == 16 for block in blocks))
"""


def probe(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_threshold_is_fixed_on_glibc() -> None:
    assert probe("fixed") == "True True"
    assert probe("dynamic") == "False False"  # what the threshold does unfixed


TRIM_PROBE = """
import asyncio, ctypes, ctypes.util
from hato.server.malloc import Trimmer
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)

def anonymous_kb():
    with open("/proc/self/smaps_rollup") as rollup:
        return next(int(line.split()[1]) for line in rollup if line.startswith("Anonymous:"))

# 16 MB of small blocks, written; all freed but the last, which keeps the heap's top in use
blocks = [libc.malloc(16 * 1024) for _ in range(1024)]
for block in blocks:
    ctypes.memset(block, 1, 16 * 1024)
for block in blocks[:-1]:
    libc.free(block)
freed = anonymous_kb()

async def main():
    trimmer = Trimmer(delay=0.01)
    for _ in range(10):
        trimmer.soon()
    await asyncio.sleep(0.2)
    return trimmer.trims

trims = asyncio.run(main())
print(trims, (freed - anonymous_kb()) // 1024)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_the_trimmer_gives_freed_pages_back_once_for_many_calls() -> None:
    done = subprocess.run(
        [sys.executable, "-c", TRIM_PROBE], capture_output=True, text=True, check=True
    )
    trims, given_back_mb = map(int, done.stdout.split())
    assert trims == 1
    assert given_back_mb >= 12  # of the 16 MB freed: free() alone keeps them


HEAP_PROBE = """
import ctypes, threading
from hato import heap

def anonymous_kb():
    with open("/proc/self/smaps_rollup") as rollup:
        return next(int(line.split()[1]) for line in rollup if line.startswith("Anonymous:"))

# as the SQLite writer's page cache: small blocks in a thread's own arena, freed there
def burst():
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = (ctypes.c_void_p,)
    blocks = [libc.malloc(4 * 1024) for _ in range(4096)]
    for block in blocks:
        ctypes.memset(block, 1, 4 * 1024)
    for block in blocks[:-1]:
        libc.free(block)

thread = threading.Thread(target=burst)
thread.start()
thread.join()
freed = anonymous_kb()
print(heap.trim(), (freed - anonymous_kb()) // 1024)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_a_trim_gives_a_threads_freed_pages_back() -> None:
    """hato.heap.trim, as the SQLite writer calls it after emptying its page cache."""
    done = subprocess.run(
        [sys.executable, "-c", HEAP_PROBE], capture_output=True, text=True, check=True
    )
    trimmed, given_back_mb = done.stdout.split()
    assert trimmed == "True"
    assert int(given_back_mb) >= 12  # of the 16 MB freed


TOP_PROBE = """
import ctypes, sys
from hato.server.malloc import keep_heap_top, return_large_blocks
return_large_blocks()  # as `hato serve` starts
kept = sys.argv[1] == "kept" and keep_heap_top()
libc = ctypes.CDLL(None)
libc.malloc.restype = libc.sbrk.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
libc.sbrk.argtypes = (ctypes.c_long,)
# 2 MiB at the top of the heap (blocks below the mmap threshold), then freed, as a
# FETCH's batch of bodies; the heap's end (sbrk(0)) tells what free() gave back
blocks = [libc.malloc(512 * 1024) for _ in range(4)]
grown = libc.sbrk(0)
for block in reversed(blocks):
    libc.free(block)
print(kept, (grown - libc.sbrk(0)) // 1024)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_heap_keeps_its_freed_top_for_the_next_burst() -> None:
    def given_back(mode: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", TOP_PROBE, mode], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert given_back("kept") == "True 0"
    kept, default_kb = given_back("default").split()
    assert kept == "False" and int(default_kb) >= 1024  # free() gives the top back unless
