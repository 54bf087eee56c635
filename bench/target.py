"""A running server as the benchmark sees it: a name, an address, its services, its processes."""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "HOST",
    "Target",
    "cpu_seconds",
    "cpu_since",
    "free_port",
    "process_tree",
    "pss_mb",
    "quiesce",
    "rss_mb",
    "wait_for_port",
]

HOST = "127.0.0.1"
USER = "bench"
PASSWORD = "bench-Passw0rd"  # noqa: S105 - a throwaway account on loopback


@dataclass(frozen=True, slots=True)
class Target:
    """One server under test, up and loaded with the account ``user``."""

    name: str
    ports: Mapping[str, int]  # only the services this server really offers
    pids: Callable[[], list[int]]  # every process that makes up the server
    host: str = HOST
    user: str = USER
    password: str = PASSWORD
    # what the server still does after the load before its rows are measured (Dovecot's
    # full-text index, built by ``doveadm index``): run once, untimed
    settle: Callable[[], None] | None = None

    def has(self, service: str) -> bool:
        return service in self.ports

    def settled(self) -> None:
        """Let the server finish what it still does (hato's indexer, which starts once
        deliveries pause) before a timed run that delivers: else one run's leftover work
        falls on the next (the quota rows swung from 320 to 1,185 messages/s with it)."""
        if self.settle is not None:
            self.settle()


EPHEMERAL = "/proc/sys/net/ipv4/ip_local_port_range"


def _outside_ephemeral() -> range:
    """Where ``free_port`` looks: outside Linux's ephemeral range (net.ipv4.ip_local_port_range,
    32768-60999 by default), from which the kernel takes the local port of every outgoing
    connection and of every ``bind(0)``. A port found free inside it could be taken by a
    client's connection before the server binds it (a test run makes thousands); one
    outside is taken only by another listener. Up to 12,768 ports below the range, or
    above it when a widened range leaves too few below."""
    try:
        low, high = map(int, Path(EPHEMERAL).read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    if low - 1024 >= 4096:
        return range(max(1024, low - 12768), low)
    return range(high + 1, 65536)


_PORTS = _outside_ephemeral()


#: The ports ``free_port`` gave this process: a server given several at once binds none of
#: them before it has them all, so the same port must not come twice. Forgotten when half
#: the range has been given (a long test run), the servers of the earliest ones long gone.
_GIVEN: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on right now, outside the ephemeral range, and not
    one this process was given before."""
    if len(_GIVEN) > len(_PORTS) // 2:
        _GIVEN.clear()
    while True:
        port = random.choice(_PORTS)
        if port in _GIVEN:
            continue
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1.0).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _parent_of(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (parent := _parent_of(entry)) is not None:
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _proc_kb(pid: int, file: str, field: str) -> int:
    try:
        lines = Path(f"/proc/{pid}/{file}").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def rss_mb(pids: list[int], field: str = "VmRSS") -> float:
    """Resident memory summed over ``pids`` (``VmHWM`` for the peak), in MB."""
    return sum(_proc_kb(pid, "status", field) for pid in pids) / 1024


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time each process (every thread of it) has used so far, in seconds, from the
    scheduler's own count in nanoseconds (/proc/PID/task/TID/schedstat, its first field);
    a process gone is left out. Not /proc/PID/stat's clock ticks: a process that ran less
    than a tick (10 ms) there counts 0, and a thousand such processes (Dovecot's imap
    processes, one per client) added up to nothing."""
    spent: dict[int, float] = {}
    for pid in pids:
        total = 0
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, IndexError, ValueError):
                continue
        if total:
            spent[pid] = total / 1e9
    return spent


def cpu_since(before: dict[int, float], pids: list[int]) -> float:
    """Seconds of CPU ``pids`` used since ``before`` (``cpu_seconds`` then), each process
    against its own earlier count, one started since against none: a process that ended
    meanwhile counts nothing (its last moments are lost, an undercount), where the sum
    over those alive after minus the sum over those alive before went negative when
    Dovecot's imap processes ended (a reused PID counts nothing either)."""
    return sum(max(0.0, now - before.get(pid, 0.0)) for pid, now in cpu_seconds(pids).items())


def pss_mb(pids: list[int]) -> float:
    """Proportional set size summed over ``pids``, in MB: shared pages counted once in all,
    so a server of many processes (Dovecot) is not charged twice for its libraries."""
    return sum(_proc_kb(pid, "smaps_rollup", "Pss") for pid in pids) / 1024


#: Below this share of all CPUs busy (over ``QUIET_WINDOW`` seconds) the machine is quiet.
QUIET_SHARE = 0.1
QUIET_WINDOW = 0.5


def quiesce(limit: float = 60.0) -> float:
    """Write every dirty page out (sync(2)), then wait until the machine is quiet, at most
    ``limit`` seconds; the seconds waited. A load leaves dirty pages that the kernel writes
    out up to half a minute later (vm.dirty_expire_centisecs: index and cache files, logs,
    what a server wrote without fsync); rows timed meanwhile would share the CPUs and the
    disk with that writeback, and a server loaded right after another with its load."""
    start = time.monotonic()
    os.sync()
    while True:  # one look at least
        before = _cpu_times()
        time.sleep(QUIET_WINDOW)
        after = _cpu_times()
        total = after[0] - before[0]
        quiet = total > 0 and (after[1] - before[1]) / total >= 1 - QUIET_SHARE
        if quiet or time.monotonic() - start >= limit:
            return time.monotonic() - start


def _cpu_times() -> tuple[int, int]:
    """All CPUs' time so far and their idle time (with I/O wait), in clock ticks
    (/proc/stat's first line)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]
