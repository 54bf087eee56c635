"""The Maildir import rows: Dovecot's Maildir of the run, moved into a fresh store.

After the servers' rows, the Maildir Dovecot built from the LMTP load (every message in
``new/``, its ``dovecot-uidlist`` written) is imported, UIDs kept, by each side into a
store of its own, once (an import is not repeated: the second run would find everything
there):

- hato: ``hato import maildir PATH --user bench`` into a fresh data directory (SQLite),
  the account made beforehand;
- Dovecot: ``doveadm backup -R -u bench maildir:PATH`` (dsync, which keeps UIDVALIDITY and
  UIDs as hato's import does) into a fresh Dovecot's empty Maildir.

Each is one process (dsync runs inside doveadm); its rate is the Maildir's message count
(``maildir_messages``: INBOX and every folder, so the IDLE rows' delivery and what the
mixed load left in its own mailbox count too) over the wall-clock time of that process,
and its peak RSS (its VmHWM, sampled while it runs) is the memory row. Both are
checked afterwards: every message must be there.
"""

# ruff: noqa: S603 - fixed commands (hato, doveadm) from PATH, no shell

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from bench.dovecot_server import running_dovecot
from bench.hato_server import hato_command
from bench.target import PASSWORD, USER

__all__ = ["dovecot_import", "hato_import", "maildir_messages"]

_IMPORTED = re.compile(r"hato: (\d+) message\(s\) imported")
_HWM = re.compile(r"^VmHWM:\s+(\d+) kB", re.MULTILINE)


def _peak_rss_mb(pid: int) -> float:
    """The process's VmHWM so far (MB), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = _HWM.search(status)
    return int(found.group(1)) / 1024 if found else 0.0


def _timed(command: list[str], log: Path, stdin: str = "") -> tuple[float, float, str]:
    """Run ``command`` to its end: (seconds, its peak RSS in MB, its stdout).

    The peak is the process's own VmHWM, read every 10 ms while it runs: ``ru_maxrss``
    would not do, for Linux carries the forking bench process's RSS over into the child
    (through fork and exec), so every command would report at least the bench's size."""
    started = time.monotonic()
    peak = 0.0
    with log.open("w+") as out:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdin is not None
        process.stdin.write(stdin)
        process.stdin.close()
        while process.poll() is None:
            peak = max(peak, _peak_rss_mb(process.pid))
            time.sleep(0.01)
        seconds = time.monotonic() - started
        out.seek(0)
        text = out.read()
    if process.returncode:
        raise RuntimeError(f"{' '.join(command[:3])} failed ({process.returncode}): {text[-2000:]}")
    return seconds, peak, text


def maildir_messages(maildir: Path) -> int:
    """The messages of a Maildir++: files in ``cur/`` and ``new/`` of INBOX (the root)
    and of each ``.Folder``."""
    folders = [maildir, *(p for p in maildir.iterdir() if p.name.startswith(".") and p.is_dir())]
    return sum(
        1 for folder in folders for sub in ("cur", "new") if (folder / sub).is_dir()
        for entry in (folder / sub).iterdir() if entry.is_file()
    )  # fmt: skip


def hato_import(maildir: Path, workdir: Path, count: int) -> tuple[float, float]:
    """hato's import of ``maildir``: (messages/s, peak RSS MB)."""
    workdir.mkdir()
    where = ["--data-dir", str(workdir / "data")]
    add = [*hato_command(), "user", "add", USER, "--password-stdin", *where]
    _timed(add, workdir / "user.log", PASSWORD + "\n")
    command = [*hato_command(), "import", "maildir", str(maildir), "--user", USER, *where]
    seconds, peak, out = _timed(command, workdir / "import.log")
    found = _IMPORTED.search(out)
    if found is None or int(found.group(1)) != count:
        raise RuntimeError(f"hato imported not {count} messages: {out}")
    return count / seconds, peak


def dovecot_import(maildir: Path, workdir: Path, count: int) -> tuple[float, float]:
    """dsync's import of ``maildir`` into a fresh Dovecot: (messages/s, peak RSS MB)."""
    with running_dovecot(workdir):
        doveadm = ["doveadm", "-c", str(workdir / "dovecot.conf")]
        command = [*doveadm, "backup", "-R", "-u", USER, f"maildir:{maildir}"]
        seconds, peak, _ = _timed(command, workdir / "backup.log")
        status = [*doveadm, "mailbox", "status", "-u", USER, "-t", "messages", "*"]
        found = subprocess.run(status, capture_output=True, text=True, check=True).stdout
    if found.strip() != f"messages={count}":
        raise RuntimeError(f"dsync imported not {count} messages: {found}")
    return count / seconds, peak
