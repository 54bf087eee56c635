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
