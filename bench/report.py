"""The table (Markdown, printed and written) and the BENCHMARKS.md sections.

BENCHMARKS.md keeps one section per message count, so a ``--messages 2000`` run and a
full run can both stay on record; ``--write`` replaces only its own count's section.
"""

# ruff: noqa: S607 - git from PATH, for the commit id only

from __future__ import annotations

import math
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DOVECOT", "DOVECOT_FTS", "HATO", "HATO_PG", "Row", "machine_info", "render_table",
    "write_section",
]  # fmt: skip

HATO, HATO_PG, DOVECOT = "hato", "hato-pg", "Dovecot"
#: Dovecot with a full-text index (Debian's dovecot-fts-xapian), for the SEARCH BODY rows.
DOVECOT_FTS = "Dovecot+fts-xapian"
_INTRO = """\
# Benchmarks: hato next to Dovecot

Made by `make bench` (`python -m bench`; `python -m bench --help` for the options;
`bench/__init__.py` says what is measured and how fairly). Times are medians in ms
(ratio > 1: hato is slower); the LMTP rate is in messages/s (ratio > 1: hato delivers
faster) and memory in MB (ratio > 1: hato uses more). `n/a`: that server does not offer
the service yet; `n/a (BAD …)`: it refused the row's command (an extension it lacks);
`failed`: the row raised an error (see the run's output).

How to read them:
- Same generated mailbox, same machine and disk, loopback, the standard library's
  clients for both; one server is measured at a time, and each row on both servers, their
  runs interleaved (a run on one, then on the other, the order swapped each turn: a
  change of the machine's speed during the run falls on both columns of a row alike). The
  client's own parsing (poplib, imaplib) is inside every time, equally for both; the raw
  client rows read the answers as bytes. A row under 5 ms on every server is the median
  of 15 runs, not of `--repeat`: at a millisecond, one run moves by half with the machine.
- Delivery is durable on both sides: hato answers 250 after its SQLite commit is on disk,
  Dovecot after fsyncing the maildir file (`mail_fsync = optimized`, the default).
- A login costs each server one argon2id check (Dovecot's passwd-file holds an ARGON2ID
  hash, m=64 MiB, t=3; hato's argon2-cffi default, m=64 MiB, t=3, p=4), about 0.1 s,
  which dominates the login rows on small mailboxes.
- Dovecot keeps the reference configuration's maildir. Nobody reads during the load, so
  every message stays in `new/`, and Dovecot's delivery slows as that directory and its
  index grow: compare its LMTP rate at 2,000 and at 86,719 messages.
- Memory is PSS summed over the server's processes (hato: one; Dovecot: master, auth,
  login and pop3 processes ...), so shared libraries count once.
- Nothing else should run on the machine; a busy neighbour shows in the times. Before
  each load and before the first row the bench writes the dirty pages out (sync) and
  waits until the CPUs are idle: the kernel may write a load's files out up to half a
  minute after it, and rows timed meanwhile would share the CPUs and the disk with that.
- `make bench BENCH_ARGS="--store postgresql"` adds `hato-pg`: hato on a throwaway
  PostgreSQL cluster on the same machine (its section is named `..., hato on SQLite and
  on PostgreSQL`); ratios are always against Dovecot. PostgreSQL's own processes are not
  in hato-pg's memory rows.
- The IMAP SEARCH rows look for a sender and a body word that the generator plants in 1
  message in 1,000; the SEARCH BODY rows also for an English word of about half the
  messages (`network`) and a Japanese word of two characters (`講義`, shorter than any
  trigram), each answer checked against the count the mailbox holds. hato answers BODY
  from its full-text index (always on), which its indexer builds after the `250`, once
  deliveries pause: the rows after the load wait until it has caught up (untimed; the
  note under the table says how long it took); Dovecot's default has none. The
  `Dovecot+fts-xapian` column (Debian's dovecot-fts-xapian, n-grams of 3 to 20
  characters, its index finished by `doveadm index` after the load, untimed) is measured
  on the SEARCH BODY rows only; `n/a (wrong answer: ...)` is an answer that missed
  messages the word is in.
- SORT (DATE), SORT (SUBJECT) and THREAD REFERENCES over the whole mailbox (about a third
  of the generated messages reply to an earlier one: In-Reply-To, References, `Re:`); the
  answer must name every message once. CHANGEDSINCE: another connection first makes 100
  flag changes (one STORE each, `\\Flagged` toggled), then `FETCH 1:* (FLAGS) (CHANGEDSINCE
  m)` with m 100 below HIGHESTMODSEQ must answer 100 messages. QRESYNC: a client notes
  UIDVALIDITY and HIGHESTMODSEQ and leaves; another connection makes 100 flag changes,
  expunges 5 other messages and appends 5; the timed `SELECT INBOX (QRESYNC (v m))` (after
  an untimed ENABLE QRESYNC) must answer VANISHED (EARLIER) for the 5 and FETCH for 105.
- The Maildir import rows: Dovecot's Maildir from its load (every message in `new/`, with
  its `dovecot-uidlist`) imported into a fresh store with UIDs kept, once: `hato import
  maildir` (SQLite, parsing each message once for its cached structure, header columns
  and snippet; its full-text text is left to the server's indexer, as for delivered mail)
  against `doveadm backup -R` (dsync into a fresh Maildir, which copies files and indexes
  nothing up front); the rate is over each importing process's wall-clock time, the memory
  its peak RSS (ratio > 1 on the rate: hato is faster).
- The web rows are hato's alone (Dovecot has no web console): the JSON API's message list
  (`GET /api/v1/messages`, 50 a page, newest first), first page and 1,000th page (the last
  page of a smaller mailbox), one request on a kept-alive connection, session cookie from
  one login; then 100 aiohttp clients reading seeded random messages
  (`GET /api/v1/message/{ID}`, 20 each): requests a second over the wall-clock time, and
  the 99th percentile of their times (req/s: higher is better).
- The raw client rows (`bench.raw_client`): the POP3 open, SELECT, FETCH of every
  message's flags, and of its UID, flags and size, UID SEARCH FROM, 1,000 RETR and 1,000
  FETCH BODY.PEEK[] one command each, and CHANGEDSINCE (as above), over a plain socket,
  each answer read as bytes to its end and checked after the clock (its lines counted,
  each body's length): the server's time without imaplib's or poplib's parsing, which is
  in every other row.
- The mixed-load rows (`bench.mixed_load`): 5, then 20 clients (asyncio, raw sockets),
  each logged in once with INBOX selected, run a seeded random mix for 30 s: SELECT,
  FETCH of 50 messages' FLAGS, one BODY.PEEK[], STORE \\Flagged on or off, SEARCH
  FLAGGED or FROM, APPEND and COPY to a mailbox of their own and the expunge of what
  they put there (by UID); commands answered OK a second over the wall-clock time
  (cmd/s: higher is better), and the commands of both loads answered otherwise (none is
  right).
- The IDLE rows: 1,000 clients (asyncio, raw sockets) log in, SELECT INBOX and IDLE; the
  memory is taken with all of them idling (Dovecot: one imap process each, so its RSS sum
  counts shared pages many times: read its PSS); then one LMTP delivery, timed from its
  start to the last client's `* n EXISTS`, to that delivery's `250` (its connection,
  LHLO, MAIL, RCPT and DATA), and the CPU time the server's processes spent from its start
  to half a second after the last EXISTS (Dovecot: the processes that were there before
  it, so not its lmtp process). Their 1,000 logins (8 at a time) make hato's peak RSS in
  the notes: each concurrent argon2id check holds 64 MiB.
- The login storm (`bench.login_storm`): 100 clients (asyncio, raw sockets) connect,
  LOGIN and LOGOUT over and over until 1,000 logins are done between them (logins/s:
  higher is better), with the server's RSS summed over its processes sampled every 20 ms
  for its peak.
- Logins: both servers remember a verified password (hato's `login_cache_ttl`, 300 s;
  Dovecot's `auth_cache_size = 10M`, `auth_cache_ttl = 5 mins`), so the login rows after
  the first login of a run cost no password hash on either side.

"""
_SECTION = re.compile(r"<!-- bench ([\w-]+) -->\n.*?<!-- /bench \1 -->\n", re.DOTALL)


@dataclass(slots=True)
class Row:
    """One operation; a value is None for n/a and NaN for a failure; ``refused`` says
    what a server answered to a command it refused (then its value is None)."""

    label: str
    unit: str
    values: dict[str, float | None] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


def _cell(value: float | None, refused: str | None = None) -> str:
    if refused is not None:
        return f"n/a ({refused})"
    if value is None:
        return "n/a"
    if math.isnan(value):
        return "failed"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _ratio(row: Row, name: str, against: str = DOVECOT) -> str:
    hato, dovecot = row.values.get(name), row.values.get(against)
    if hato is None or dovecot is None or math.isnan(hato) or math.isnan(dovecot) or not dovecot:
        return "n/a"
    return f"{hato / dovecot:.2f}"


def render_table(rows: list[Row], servers: list[str] | None = None) -> str:
    """One column per server (hato, [hato-pg,] Dovecot[, Dovecot+fts-xapian]), then each
    hato's ratio to each Dovecot."""
    extra = [name for name in (HATO_PG, DOVECOT_FTS) if servers and name in servers]
    names = (
        [HATO]
        + [n for n in extra if n == HATO_PG]
        + [DOVECOT]
        + [n for n in extra if n == DOVECOT_FTS]
    )
    hatos = [name for name in names if name in (HATO, HATO_PG)]
    dovecots = [name for name in names if name in (DOVECOT, DOVECOT_FTS)]
    pairs = [(hato, dovecot) for dovecot in dovecots for hato in hatos]
    head = names + [f"ratio {hato}/{dovecot}" for hato, dovecot in pairs]
    lines = ["| operation | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    for row in rows:
        cells = [_cell(row.values.get(name), row.refused.get(name)) for name in names]
        cells += [_ratio(row, hato, dovecot) for hato, dovecot in pairs]
        lines.append(f"| {row.label} ({row.unit}) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3


def _git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


def _interpreter() -> str:
    """The interpreter hato runs on, by its file (a venv's base): which build of Python, as a
    distribution's optimised build and a plain one differ by some 15% here."""
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def machine_info(dovecot: str) -> list[str]:
    """Bullet lines describing where and against what the numbers were taken."""
    from hato import __version__

    debian = Path("/etc/debian_version")
    system = f"Debian {debian.read_text().strip()}" if debian.exists() else platform.system()
    return [
        f"machine: {_cpu_model()}, {os.cpu_count()} cores, {_memory_gb():.0f} GB RAM",
        f"system: {system}, Linux {platform.release()}, Python {platform.python_version()}"
        f" ({_interpreter()})",
        f"hato {__version__} (commit {_git_commit()}); Dovecot {dovecot}",
    ]


def _sections(text: str) -> dict[str, str]:
    return {match.group(1): match.group(0) for match in _SECTION.finditer(text)}


def _order(key: str) -> tuple[int, str]:
    """Biggest mailbox first; for one size, SQLite's section before PostgreSQL's."""
    count, _, store = key.partition("-")
    return (-int(count), store)


def write_section(path: Path, key: str, body: str) -> None:
    """Put ``body`` in ``path`` as the section ``key`` ("2000", "2000-postgresql"), keeping
    the others."""
    sections = _sections(path.read_text()) if path.exists() else {}
    sections[key] = f"<!-- bench {key} -->\n{body.rstrip()}\n<!-- /bench {key} -->\n"
    ordered = [sections[key] for key in sorted(sections, key=_order)]
    path.write_text(_INTRO + "\n".join(ordered))
