"""``python -m bench [--messages N] [--repeat K] [--write] [--only hato|dovecot]
[--store sqlite|postgresql] [--rows TEXT ...] [--without-fts]``.

One run: generate the mailbox; start each server in a scratch directory and deliver the
mailbox to it over LMTP (the first row), one server after the other; then run every row
of ``bench.measurements.MEASUREMENTS`` on each server in turn before the next row, and stop
them. Print the table; with ``--write``, record it in BENCHMARKS.md under this run's
message count (and store).

``--store postgresql`` starts a throwaway PostgreSQL cluster (``tests.pg.Cluster``: initdb
as the postgres user, a free loopback port, fsync on) and adds a column, hato on a fresh
database of it, between hato on SQLite and Dovecot; and a row: the LMTP delivery rate of
two ``hato serve`` nodes on one (fresh) database, the 4 connections split 2 and 2.

The SEARCH BODY rows add a column, Dovecot with Debian's dovecot-fts-xapian (its index
finished by ``doveadm index`` after the load, untimed), measured on those rows alone;
``--without-fts`` leaves it out.

``--rows TEXT`` (repeatable) keeps only the rows whose label contains one of the texts,
case-insensitively, besides the LMTP load that every run needs: ``--rows IMAP`` for the
IMAP rows, ``--rows SORT --rows THREAD`` for two kinds. A row whose command a server
refuses (BAD or NO: an extension it lacks) shows ``n/a (BAD …)`` for that server.
"""

from __future__ import annotations

import argparse
import datetime
import math
import resource
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bench import index_cost, mail_checks
from bench.dovecot_server import dovecot_version, ensure_installed, running_dovecot
from bench.hato_server import peak_rss_mb, running_hato, running_hato_nodes
from bench.imap_session import Refused
from bench.load import CONNECTIONS, deliver
from bench.mailbox import COMMON_WORD, DEFAULT_COUNT, SHORT_JA_WORD, Mailbox, carrying, generate
from bench.maildir_import import dovecot_import, hato_import, maildir_messages
from bench.measurements import MEASUREMENTS, SAMPLE, Context, Measurement
from bench.report import (
    DOVECOT,
    DOVECOT_FTS,
    HATO,
    HATO_PG,
    Row,
    machine_info,
    render_table,
    write_section,
)
from bench.target import Target, quiesce

if TYPE_CHECKING:
    from tests.pg import Cluster

__all__ = ["main"]

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
LMTP_ROW = f"LMTP delivery, {CONNECTIONS} connections, durable"
NODES = 2
NODES_ROW = f"LMTP delivery, {CONNECTIONS} connections over {NODES} nodes, one PostgreSQL"
IMPORT_ROW = "Maildir import, UIDs kept (hato import maildir; doveadm backup -R)"
IMPORT_RSS_ROW = "Maildir import, peak RSS of the importing process"
INDEX_ROWS = (index_cost.ON_ROW, index_cost.OFF_ROW)

Starter = Callable[[Path], AbstractContextManager[Target]]
SERVERS: dict[str, Starter] = {
    HATO: running_hato,
    DOVECOT: running_dovecot,
    DOVECOT_FTS: partial(running_dovecot, fts=True),
}
#: The only rows Dovecot+fts-xapian is measured on (its index changes nothing else).
FTS_ROWS = "SEARCH BODY"


@dataclass(slots=True)
class Run:
    """Everything one run found, for the table and the notes under it."""

    rows: list[Row]
    servers: list[str]
    measurements: Sequence[Measurement] = MEASUREMENTS
    peak_rss: dict[str, float] = field(default_factory=dict)
    # seconds from the load's end until a server's index had caught up (``Target.settle``)
    settled: dict[str, float] = field(default_factory=dict)
    store: str = "sqlite"
    # how many messages carry each SEARCH BODY row's word
    carrying: dict[str, int] = field(default_factory=dict)

    def row(self, label: str) -> Row:
        return next(row for row in self.rows if row.label == label)


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
    parser.add_argument(
        "--rows",
        action="append",
        metavar="TEXT",
        help="only the rows whose label contains TEXT (repeatable; case-insensitive)",
    )
    parser.add_argument(
        "--without-fts",
        action="store_true",
        help=f"no {DOVECOT_FTS} column (its index takes about 40 s per 1,000 messages here)",
    )
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: add hato on a throwaway PostgreSQL, and a two-node delivery row",
    )
    return parser


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def _turns(measurement: Measurement, repeat: int) -> int:
    """Runs of a row on each server: a warm-up and ``repeat`` timed ones, or one if untimed."""
    return repeat + 1 if measurement.timed else 1


#: A row timed under this many milliseconds on every server is run until it has
#: ``SHORT_RUNS`` timed runs a server: at a millisecond or less, a run's value moves by
#: half with the machine (a core waking from idle, the other server's last run), so the
#: median of three is a coin toss. Fifteen runs cost seconds a row (those that make
#: changes first most): the 2,000-message run took 8.0 min instead of 7.5.
SHORT_MS = 5.0
SHORT_RUNS = 15


def _short(measurement: Measurement, samples: Mapping[str, list[float]]) -> bool:
    """Whether a timed row in milliseconds came out under ``SHORT_MS`` on every server
    still running it (``samples``: their runs, the warm-up first)."""
    taken = [values[1:] for values in samples.values()]
    return (
        measurement.timed
        and measurement.unit == "ms"
        and bool(taken)
        and all(values and statistics.median(values) < SHORT_MS for values in taken)
    )


def _value(measurement: Measurement, samples: list[float]) -> float:
    """A row's value from one server's runs: the median of the timed ones (the warm-up,
    the first, not counted), or the single run of an untimed row."""
    return statistics.median(samples[1:]) if measurement.timed else samples[0]


def _load(target: Target, mailbox: Mailbox) -> float:
    if not target.has("lmtp"):
        raise RuntimeError(f"{target.name} has no LMTP listener: nothing to measure")
    _say(f"{target.name}: delivering {len(mailbox.messages):,} messages over LMTP")
    rate = deliver(target, mailbox)
    _say(f"{target.name}: {LMTP_ROW}: {rate:,.0f} msg/s")
    return rate


def _settle(target: Target, run: Run) -> None:
    if target.settle is not None:
        start = time.monotonic()
        target.settle()
        run.settled[target.name] = seconds = time.monotonic() - start
        _say(f"{target.name}: settled (its index finished) in {seconds:,.1f} s")


def _bench_servers(
    starters: Mapping[str, Starter], scratch: Path, mailbox: Mailbox, repeat: int, run: Run
) -> None:
    """Start and load every server, then measure each row on one server after the other.

    The servers run side by side, and a row is measured on all of them before the next
    row, their runs interleaved (``_measure_row``; the first server first on one row, last
    on the next), so that a change in the machine's speed during the run (this VM's moves
    by half within minutes) falls on both columns of a row alike, not on one server's half
    of the table. A server that fails to
    start or load says so in every row, and the others go on.
    """
    with ExitStack() as stack:
        targets = [
            target
            for name in run.servers
            if (target := _started(stack, starters[name], name, scratch / name, mailbox, run))
        ]
        _say(f"machine quiet after {quiesce():.1f} s (dirty pages written, CPUs idle)")
        context = Context(len(mailbox.messages), carrying=run.carrying)
        for number, measurement in enumerate(run.measurements):
            order = targets if number % 2 == 0 else targets[::-1]
            _measure_row(measurement, order, context, repeat, run)
        for target in targets:
            if _family(target.name) == "hato":
                run.peak_rss[target.name] = peak_rss_mb(target)


def _started(
    stack: ExitStack, start: Starter, name: str, workdir: Path, mailbox: Mailbox, run: Run
) -> Target | None:
    """The server started and loaded (and settled), or None: then its rows say it failed."""
    try:
        target = stack.enter_context(start(workdir))
        quiesce()  # the server before this one may still be writing its load out
        run.row(LMTP_ROW).values[name] = _load(target, mailbox)
        _settle(target, run)
    except Exception:  # the other servers' numbers are still worth printing
        _say(f"{name} failed:\n{traceback.format_exc()}")
        for row in run.rows:
            row.values.setdefault(name, math.nan)
        return None
    return target


def _measure_row(
    measurement: Measurement, targets: Sequence[Target], context: Context, repeat: int, run: Run
) -> None:
    """One row on every server, their runs interleaved: each turn runs the row once on
    each server (in the other order on the next turn), so that the machine's speed, which
    moves within seconds on this VM, falls on both columns alike, run by run."""
    row = run.row(measurement.label)
    samples: dict[str, list[float]] = {}
    for target in targets:
        wanted = target.name != DOVECOT_FTS or FTS_ROWS in measurement.label
        if wanted and target.has(measurement.service):
            samples[target.name] = []
        else:
            row.values[target.name] = None
    turns = _turns(measurement, repeat)
    turn = 0
    while turn < turns:
        for target in targets if turn % 2 == 0 else reversed(targets):
            if target.name in samples and target.name not in row.values:
                _run_once(measurement, target, context, run, samples[target.name])
        turn += 1
        running = {name: taken for name, taken in samples.items() if name not in row.values}
        if turn == turns and turns < SHORT_RUNS + 1 and _short(measurement, running):
            turns = SHORT_RUNS + 1  # a warm-up and SHORT_RUNS timed runs
    for name, taken in samples.items():
        if name not in row.values:
            row.values[name] = value = _value(measurement, taken)
            _say(f"{name}: {measurement.label}: {value:,.1f} {measurement.unit}")


def _run_once(
    measurement: Measurement, target: Target, context: Context, run: Run, samples: list[float]
) -> None:
    """One run of a row on one server, its value added to ``samples``; a refusal or a
    failure ends the row for that server (``n/a``, or NaN and the traceback)."""
    row = run.row(measurement.label)
    try:
        samples.append(measurement.run(target, context))
    except Refused as refusal:
        _say(f"{target.name}: {measurement.label}: refused: {refusal}")
        row.refused[target.name], row.values[target.name] = str(refusal), None
    except Exception:  # a broken row must not hide the others
        _say(f"{target.name}: {measurement.label} failed:\n{traceback.format_exc()}")
        row.values[target.name] = math.nan


def _servers(args: argparse.Namespace, measurements: Sequence[Measurement]) -> list[str]:
    """The servers to run: Dovecot+fts-xapian only when a SEARCH BODY row is chosen."""
    only = args.only
    names = [HATO, HATO_PG, DOVECOT] if args.store == "postgresql" else [HATO, DOVECOT]
    if any(FTS_ROWS in m.label for m in measurements) and not args.without_fts:
        names.append(DOVECOT_FTS)
    return [name for name in names if only is None or _family(name) == only]


def _family(name: str) -> str:
    """``hato`` or ``dovecot``: what ``--only`` names, for every column of that server."""
    return "hato" if name in (HATO, HATO_PG) else "dovecot"


def _nodes_rate(workdir: Path, url: str, mailbox: Mailbox) -> float:
    """The mailbox delivered to two hato nodes on one fresh database, 2 connections each."""
    with running_hato_nodes(workdir, url, NODES, HATO_PG) as targets:
        _say(f"{HATO_PG}: delivering {len(mailbox.messages):,} messages to {NODES} nodes")
        rate = deliver(targets, mailbox)
    _say(f"{HATO_PG}: {NODES_ROW}: {rate:,.0f} msg/s")
    return rate


def _run(args: argparse.Namespace, mailbox: Mailbox) -> Run:
    rows = [Row(LMTP_ROW, "msg/s")]
    if args.store == "postgresql":
        rows.append(Row(NODES_ROW, "msg/s"))
    measurements = _chosen(args.rows)
    rows += [Row(m.label, m.unit) for m in measurements]
    imports = _wants_import(args.rows)
    if imports:
        rows += [Row(IMPORT_ROW, "msg/s"), Row(IMPORT_RSS_ROW, "MB")]
    index_pair = _wants(args.rows, INDEX_ROWS)
    if index_pair:
        rows += [Row(label, "msg/s") for label in INDEX_ROWS]
    servers = _servers(args, measurements)
    run = Run(rows, servers, measurements, store=args.store)
    run.carrying = {word: carrying(mailbox.messages, word) for word in (COMMON_WORD, SHORT_JA_WORD)}
    with ExitStack() as stack:
        # a straggler of Dovecot's indexer may write after the stop: the table still prints
        scratch_dir = tempfile.TemporaryDirectory(prefix="hato-bench-", ignore_cleanup_errors=True)
        scratch = Path(stack.enter_context(scratch_dir))
        scratch.chmod(0o755)  # Dovecot's mail user must reach its maildir
        starters = dict(SERVERS)
        if HATO_PG in run.servers:
            cluster = _postgresql(stack)
            starters[HATO_PG] = lambda workdir: running_hato(workdir, cluster.database(), HATO_PG)
        _bench_servers(starters, scratch, mailbox, args.repeat, run)
        if HATO_PG in run.servers:
            _nodes_safely(scratch / "hato-nodes", cluster.database(), mailbox, run)
        if imports:
            _imports(scratch, len(mailbox.messages), run)
        if index_pair and HATO in run.servers:
            _index_pair(scratch / "hato-index", mailbox, run)
    return run


def _wants(texts: list[str] | None, labels: Sequence[str]) -> bool:
    """Whether ``--rows`` keeps any of these rows (all rows without it)."""
    return not texts or any(t.lower() in label.lower() for t in texts for label in labels)


def _wants_import(texts: list[str] | None) -> bool:
    return _wants(texts, (IMPORT_ROW, IMPORT_RSS_ROW))


def _index_pair(workdir: Path, mailbox: Mailbox, run: Run) -> None:
    """LMTP delivery with the full-text index and without (bench/index_cost.py)."""
    count = min(len(mailbox.messages), index_cost.MESSAGES)
    _say(f"{HATO}: delivering {count:,} messages with the full-text index and without")
    try:
        start = lambda path, more: running_hato(path, name=HATO, more=more)  # noqa: E731
        rates = index_cost.index_rates(start, workdir, mailbox)
    except Exception:  # the table is still worth printing
        _say(f"{HATO}: full-text index rows failed:\n{traceback.format_exc()}")
        rates = (math.nan, math.nan)
    for label, rate in zip(INDEX_ROWS, rates, strict=True):
        _say(f"{HATO}: {label}: {rate:,.0f} msg/s")
        run.row(label).values[HATO] = rate


def _imports(scratch: Path, count: int, run: Run) -> None:
    """The Maildir Dovecot's load built, imported by hato and by dsync (bench/maildir_import.py);
    without a Dovecot run there is no Maildir, and the rows say n/a."""
    maildir = scratch / DOVECOT / "home" / "Maildir"
    if maildir.is_dir():
        count = maildir_messages(maildir)
    importers = {HATO: hato_import, DOVECOT: dovecot_import}
    for name, importer in importers.items():
        if DOVECOT not in run.servers or name not in run.servers:
            continue
        _say(f"{name}: importing Dovecot's Maildir ({count:,} messages)")
        try:
            rate, peak = importer(maildir, scratch / f"{name}-import", count)
        except Exception:  # the table is still worth printing
            _say(f"{name}: Maildir import failed:\n{traceback.format_exc()}")
            rate = peak = math.nan
        _say(f"{name}: {IMPORT_ROW}: {rate:,.0f} msg/s, {peak:,.0f} MB")
        run.row(IMPORT_ROW).values[name] = rate
        run.row(IMPORT_RSS_ROW).values[name] = peak


def _chosen(texts: list[str] | None) -> list[Measurement]:
    """The rows that ``--rows`` keeps (all of them without it)."""
    if not texts:
        return list(MEASUREMENTS)
    chosen = [m for m in MEASUREMENTS if any(t.lower() in m.label.lower() for t in texts)]
    if not chosen and not _wants_import(texts) and not _wants(texts, INDEX_ROWS):
        raise SystemExit(f"python -m bench: no row matches --rows {' '.join(texts)}")
    return chosen


def _postgresql(stack: ExitStack) -> Cluster:
    """A throwaway cluster (tests/pg.py), stopped and removed when ``stack`` closes."""
    from tests.pg import Cluster, available

    if not available():
        raise RuntimeError("--store postgresql needs Debian's postgresql (make system-deps)")
    _say("starting a throwaway PostgreSQL cluster")
    cluster = Cluster().start()
    stack.callback(cluster.stop)
    return cluster


def _nodes_safely(workdir: Path, url: str, mailbox: Mailbox, run: Run) -> None:
    try:
        value = _nodes_rate(workdir, url, mailbox)
    except Exception:  # the table is still worth printing
        _say(f"{NODES} nodes failed:\n{traceback.format_exc()}")
        value = math.nan
    run.row(NODES_ROW).values[HATO_PG] = value


def _notes(run: Run, mailbox: Mailbox, args: argparse.Namespace, seconds: float) -> list[str]:
    count, size = len(mailbox.messages), mailbox.total_bytes
    notes = [
        f"date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"mailbox: {count:,} messages, {size / 1e6:,.1f} MB (mean {size / count / 1e3:.1f} KB)",
        f"median of {args.repeat} timed runs after one warm-up ({SHORT_RUNS} for a row under "
        f"{SHORT_MS:g} ms on every server), the servers' runs interleaved; servers measured: "
        + ", ".join(run.servers),
        f"whole run (generation, both loads, all rows): {seconds / 60:.1f} min",
    ]
    if count < SAMPLE:
        notes.append(f"the {SAMPLE:,}-message rows take all {count:,} messages")
    for name, peak in run.peak_rss.items():
        notes.append(f"{name} peak RSS (VmHWM, whole run): {peak:,.0f} MB")
    for name, seconds in run.settled.items():
        notes.append(
            f"{name}: its full-text index had caught up with the LMTP load {seconds:,.1f} s "
            "after the last 250 (the rows were measured after that)"
        )
    if HATO_PG in run.servers:
        notes.append(
            f"{HATO_PG}: hato on a throwaway PostgreSQL cluster on the same machine and disk "
            "(fsync and synchronous_commit on); its memory rows count hato's process only, "
            f"not PostgreSQL's; {NODES_ROW!r}: two hato processes on one fresh database, "
            f"{CONNECTIONS // NODES} LMTP connections each"
        )
    notes += _checks_note(run) + _index_note(run)
    dovecot = dovecot_version() if DOVECOT in run.servers else "not run"
    return notes + machine_info(dovecot)


def _checks_note(run: Run) -> list[str]:
    """hato's MX delivery rate with its checks on, as a share of the rate without them."""
    labels = [row.label for row in run.rows]
    if mail_checks.CHECKED_ROW not in labels or mail_checks.UNCHECKED_ROW not in labels:
        return []
    on = run.row(mail_checks.CHECKED_ROW).values.get(HATO)
    off = run.row(mail_checks.UNCHECKED_ROW).values.get(HATO)
    if not on or not off or math.isnan(on) or math.isnan(off):
        return []
    return [
        f"MX checks (bench/mail_checks.py: {mail_checks.MESSAGES} DKIM-signed messages, a "
        f"loopback DNS server): SMTP delivery with SPF+DKIM+DMARC+ARC checked at "
        f"{on / off:.2f}x the rate of the same delivery from the trusted relay"
    ]


def _index_note(run: Run) -> list[str]:
    """hato's LMTP delivery rate with the full-text index, as a share of the rate without."""
    if INDEX_ROWS[0] not in [row.label for row in run.rows]:
        return []
    on, off = (run.row(label).values.get(HATO) for label in INDEX_ROWS)
    if not on or not off or math.isnan(on) or math.isnan(off):
        return []
    return [
        f"full-text index (bench/index_cost.py: the first {index_cost.MESSAGES:,} messages, "
        "fresh stores, runs on, off, off, on): LMTP delivery until the index has caught up "
        f"at {on / off:.2f}x the rate without ([search] index = false)"
    ]


def _section(table: str, notes: list[str], count: int, store: str) -> str:
    bullets = "".join(f"- {note}\n" for note in notes)
    title = f"{count:,} messages" + (
        ", hato on SQLite and on PostgreSQL" if store != "sqlite" else ""
    )
    return f"## {title}\n\n{table}\n{bullets}"


def _raise_fd_limit(wanted: int = 65_536) -> None:
    """1,000 IDLE clients are 1,000 sockets here and as many in the server (which inherits
    this limit): raise the soft limit as far as the hard one allows (root: to ``wanted``)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return
        except (ValueError, OSError):
            wanted = hard
    if soft == resource.RLIM_INFINITY or soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _key(count: int, store: str) -> str:
    """The section's name in BENCHMARKS.md: one per message count and store."""
    return str(count) if store == "sqlite" else f"{count}-{store}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _raise_fd_limit()
    started = time.monotonic()
    if args.only != "hato":
        ensure_installed()
    _say(f"generating {args.messages:,} messages")
    mailbox = generate(args.messages)
    run = _run(args, mailbox)
    section = _section(
        render_table(run.rows, run.servers),
        _notes(run, mailbox, args, time.monotonic() - started),
        args.messages,
        args.store,
    )
    print(section)
    if args.write:
        write_section(BENCHMARKS, _key(args.messages, args.store), section)
        _say(f"wrote {BENCHMARKS}")
    return 0
