"""What the full-text index costs: LMTP with ``[search] index`` on, and off.

Both rows deliver the same messages (the mailbox's first ``MESSAGES``) over the same
4 LMTP connections (bench/load.py) to a fresh hato each time, one whose configuration
says ``[search] index = false`` (the text is not extracted, the body waits for ``hato
index rebuild``) and one with the default, whose indexer indexes the messages once the
deliveries pause: that row's time runs until the index has caught up (``Target.settle``),
so that it holds the whole cost of indexing. The runs alternate, on, off, off, on, so
that a machine that speeds up or slows down during the pair weighs on both alike;
each row's rate is its messages over its runs' summed time. Dovecot has no such
switch in its column (without fts-xapian it never indexes at delivery): n/a.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from bench.load import CONNECTIONS, deliver
from bench.mailbox import Mailbox
from bench.target import Target

__all__ = ["MESSAGES", "OFF_ROW", "ON_ROW", "index_rates"]

MESSAGES = 2000
ON_ROW = f"LMTP delivery, {CONNECTIONS} connections, fresh store, full-text index on, until indexed"
OFF_ROW = f"LMTP delivery, {CONNECTIONS} connections, fresh store, [search] index = false"
_OFF = "\n[search]\nindex = false\n"
_ORDER = (True, False, False, True)

#: Starts hato in a directory, with configuration added to its file.
Starter = Callable[[Path, str], AbstractContextManager[Target]]


def index_rates(start: Starter, workdir: Path, mailbox: Mailbox) -> tuple[float, float]:
    """(msg/s with the index, msg/s without) over the same first ``MESSAGES`` messages."""
    messages = Mailbox(mailbox.messages[:MESSAGES], mailbox.recipient)
    seconds = {True: 0.0, False: 0.0}
    workdir.mkdir()
    for run, indexed in enumerate(_ORDER):
        with start(workdir / f"run-{run}", "" if indexed else _OFF) as target:
            took = len(messages.messages) / deliver(target, messages)
            settled = time.perf_counter()
            if indexed and target.settle is not None:
                target.settle()
            took += time.perf_counter() - settled
        seconds[indexed] += took
        rate = len(messages.messages) / took
        print(f"bench:   index {'on' if indexed else 'off'}: {rate:,.0f} msg/s", file=sys.stderr)
    runs = _ORDER.count(True)
    return (
        runs * len(messages.messages) / seconds[True],
        runs * len(messages.messages) / seconds[False],
    )
