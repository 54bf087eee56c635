"""``python -m bench [--messages N] [--repeat K] [--write] [--only hato|dovecot]``.

One run: generate the mailbox, then for each server in turn start it in a scratch
directory, deliver the mailbox over LMTP (the first row), run every row of
``bench.measurements.MEASUREMENTS``, stop it. Print the table; with ``--write``, record
it in BENCHMARKS.md under this run's message count.
"""

from __future__ import annotations

import argparse
import datetime
import math
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from bench.dovecot_server import dovecot_version, ensure_installed, running_dovecot
from bench.hato_server import peak_rss_mb, running_hato
from bench.load import CONNECTIONS, deliver
from bench.mailbox import DEFAULT_COUNT, Mailbox, generate
from bench.measurements import MEASUREMENTS, SAMPLE, Context, Measurement
from bench.report import DOVECOT, HATO, Row, machine_info, render_table, write_section
from bench.target import Target

__all__ = ["main"]

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
LMTP_ROW = f"LMTP delivery, {CONNECTIONS} connections, durable"

Starter = Callable[[Path], AbstractContextManager[Target]]
SERVERS: dict[str, Starter] = {HATO: running_hato, DOVECOT: running_dovecot}


@dataclass(slots=True)
class Run:
    """Everything one run found, for the table and the notes under it."""

    rows: list[Row]
    servers: list[str]
    peak_rss: float | None = None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--messages", type=_positive, default=DEFAULT_COUNT, metavar="N", help="mailbox size"
    )
    parser.add_argument("--repeat", type=_positive, default=5, metavar="K", help="timed runs a row")
    parser.add_argument("--write", action="store_true", help="record the table in BENCHMARKS.md")
    parser.add_argument("--only", choices=("hato", "dovecot"), help="measure one server")
    return parser


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def _median(measurement: Measurement, target: Target, context: Context, repeat: int) -> float:
    if not measurement.timed:
        return measurement.run(target, context)
    measurement.run(target, context)  # warm-up, not counted
    return statistics.median(measurement.run(target, context) for _ in range(repeat))


def _measure(measurement: Measurement, target: Target, context: Context, repeat: int) -> float:
    try:
        value = _median(measurement, target, context, repeat)
    except Exception:  # a broken row must not hide the others
        _say(f"{target.name}: {measurement.label} failed:\n{traceback.format_exc()}")
        return math.nan
    _say(f"{target.name}: {measurement.label}: {value:,.1f} {measurement.unit}")
    return value


def _load(target: Target, mailbox: Mailbox) -> float:
    if not target.has("lmtp"):
        raise RuntimeError(f"{target.name} has no LMTP listener: nothing to measure")
    _say(f"{target.name}: delivering {len(mailbox.messages):,} messages over LMTP")
    rate = deliver(target, mailbox)
    _say(f"{target.name}: {LMTP_ROW}: {rate:,.0f} msg/s")
    return rate


def _bench_server(target: Target, mailbox: Mailbox, repeat: int, run: Run) -> None:
    run.rows[0].values[target.name] = _load(target, mailbox)
    context = Context(len(mailbox.messages))
    for row, measurement in zip(run.rows[1:], MEASUREMENTS, strict=True):
        available = target.has(measurement.service)
        value = _measure(measurement, target, context, repeat) if available else None
        row.values[target.name] = value
    if target.name == HATO:
        run.peak_rss = peak_rss_mb(target)


def _servers(only: str | None) -> list[str]:
    return [name for name in SERVERS if only is None or name.lower() == only]


def _run(args: argparse.Namespace, mailbox: Mailbox) -> Run:
    rows = [Row(LMTP_ROW, "msg/s")] + [Row(m.label, m.unit) for m in MEASUREMENTS]
    run = Run(rows, _servers(args.only))
    with tempfile.TemporaryDirectory(prefix="hato-bench-") as scratch:
        Path(scratch).chmod(0o755)  # Dovecot's mail user must reach its maildir
        for name in run.servers:
            _bench_safely(name, Path(scratch) / name, mailbox, args.repeat, run)
    return run


def _bench_safely(name: str, workdir: Path, mailbox: Mailbox, repeat: int, run: Run) -> None:
    """Start, load and measure one server; if that fails, its rows say so and the run goes on."""
    try:
        with SERVERS[name](workdir) as target:
            _bench_server(target, mailbox, repeat, run)
    except Exception:  # the other server's numbers are still worth printing
        _say(f"{name} failed:\n{traceback.format_exc()}")
        for row in run.rows:
            row.values.setdefault(name, math.nan)


def _notes(run: Run, mailbox: Mailbox, args: argparse.Namespace, seconds: float) -> list[str]:
    count, size = len(mailbox.messages), mailbox.total_bytes
    notes = [
        f"date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"mailbox: {count:,} messages, {size / 1e6:,.1f} MB (mean {size / count / 1e3:.1f} KB)",
        f"median of {args.repeat} timed runs after one warm-up; servers measured: "
        + ", ".join(run.servers),
        f"whole run (generation, both loads, all rows): {seconds / 60:.1f} min",
    ]
    if count < SAMPLE:
        notes.append(f"the {SAMPLE:,}-message rows take all {count:,} messages")
    if run.peak_rss is not None:
        notes.append(f"hato peak RSS (VmHWM, whole run): {run.peak_rss:,.0f} MB")
    dovecot = dovecot_version() if DOVECOT in run.servers else "not run"
    return notes + machine_info(dovecot)


def _section(table: str, notes: list[str], count: int) -> str:
    bullets = "".join(f"- {note}\n" for note in notes)
    return f"## {count:,} messages\n\n{table}\n{bullets}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    if args.only != "hato":
        ensure_installed()
    _say(f"generating {args.messages:,} messages")
    mailbox = generate(args.messages)
    run = _run(args, mailbox)
    section = _section(
        render_table(run.rows),
        _notes(run, mailbox, args, time.monotonic() - started),
        args.messages,
    )
    print(section)
    if args.write:
        write_section(BENCHMARKS, args.messages, section)
        _say(f"wrote {BENCHMARKS}")
    return 0
