"""A throwaway Dovecot 2.3 (Debian's packages) on free loopback ports, in a scratch directory.

Configured like the Dovecot the lecture's transcripts came from: a passwd-file user
whose maildir belongs to the ``mail`` user (uid 8). Two changes: TLS off, since no row
measures TLS, and the password stored as ARGON2ID rather than PLAIN, so that a login
costs both servers one argon2id check (hato's: m=64 MiB, t=3, p=4; Dovecot's: m=64 MiB,
t=3, p=1). Everything else is default, so LMTP delivery fsyncs (``mail_fsync =
optimized``) as a stock Dovecot does.
"""

# ruff: noqa: S603, S607 - fixed commands (apt-get, dpkg-query, dovecot, doveadm) from PATH, no shell

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from bench.report import DOVECOT, DOVECOT_FTS
from bench.target import HOST, PASSWORD, USER, Target, free_port, process_tree, wait_for_port

__all__ = ["PACKAGES", "dovecot_version", "ensure_installed", "running_dovecot"]

PACKAGES = ("dovecot-pop3d", "dovecot-imapd", "dovecot-lmtpd", "dovecot-fts-xapian")
# The full-text index for Dovecot+fts-xapian: fts-xapian's README settings (n-grams of 3
# to 20 characters), indexed as mail arrives, and SEARCH answered from the index alone
# (fts_enforced) as a Dovecot configured for speed would.
_FTS_CONFIG = """\
mail_plugins = $mail_plugins fts fts_xapian
plugin {{
  fts = xapian
  fts_xapian = partial=3 full=20 verbose=0
  fts_autoindex = yes
  fts_enforced = yes
}}
service indexer-worker {{
  vsz_limit = 2G
}}
"""
# COMPRESS=DEFLATE (RFC 4978) for the compressed FETCH rows, at Dovecot's default level 6
_COMPRESS_CONFIG = """\
protocol imap {{
  mail_plugins = $mail_plugins imap_zlib
}}
"""
MAIL_UID = 8  # the ``mail`` user, as in the reference configuration
_POLICY = Path("/usr/sbin/policy-rc.d")
_CONFIG = """\
protocols = imap pop3 lmtp
listen = {host}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_cache_size = 10M
auth_cache_ttl = 5 mins
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = {uid}
first_valid_gid = {uid}
mail_location = maildir:~/Maildir
mail_max_userip_connections = 2000
default_process_limit = 2000
default_client_limit = 5000
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users.passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users.passwd
}}
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    port = {lmtp}
  }}
}}
service auth {{
  client_limit = 5000
}}
service anvil {{
  client_limit = 5000
}}
protocol lmtp {{
  auth_username_format = %Ln
}}
protocol imap {{
  mail_max_userip_connections = 2000
}}
protocol pop3 {{
  mail_max_userip_connections = 2000
}}
namespace inbox {{
  inbox = yes
  separator = .
  mailbox Drafts {{
    auto = subscribe
    special_use = \\Drafts
  }}
  mailbox Sent {{
    auto = subscribe
    special_use = \\Sent
  }}
  mailbox Trash {{
    auto = subscribe
    special_use = \\Trash
  }}
}}
"""


def _installed(package: str) -> bool:
    query = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return query.returncode == 0 and query.stdout.endswith("installed")


def _apt_get(*args: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-q", *args]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def ensure_installed() -> None:
    """apt-get install the Dovecot packages that are missing, without starting any service."""
    missing = [package for package in PACKAGES if not _installed(package)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"installing {' '.join(missing)} needs root (or use --only hato)")
    if not _POLICY.exists():
        _POLICY.write_text("#!/bin/sh\nexit 101\n")
        _POLICY.chmod(0o755)
    print(f"bench: apt-get install {' '.join(missing)}", flush=True)
    try:
        _apt_get("install", "-y", *missing)
    except subprocess.CalledProcessError:
        _apt_get("update")
        _apt_get("install", "-y", *missing)


def dovecot_version() -> str:
    result = subprocess.run(["dovecot", "--version"], capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def _argon2id(password: str) -> str:
    """Dovecot's own ARGON2ID hash (m=64 MiB, t=3), as costly to check as hato's argon2id."""
    command = ["doveadm", "pw", "-s", "ARGON2ID", "-p", password]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def _configure(workdir: Path, ports: dict[str, int], fts: bool = False) -> Path:
    home = workdir / "home"
    home.mkdir(mode=0o700)
    os.chown(home, MAIL_UID, MAIL_UID)
    users = workdir / "users.passwd"
    users.write_text(f"{USER}:{_argon2id(PASSWORD)}:{MAIL_UID}:{MAIL_UID}::{home}::\n")
    config = workdir / "dovecot.conf"
    # imap_zlib last: its $mail_plugins takes in the global plugins set before it
    text = _CONFIG + (_FTS_CONFIG if fts else "") + _COMPRESS_CONFIG
    config.write_text(text.format(host=HOST, dir=workdir, uid=MAIL_UID, **ports))
    return config


def _index(config: Path) -> None:
    """Finish the full-text index of the bench account's INBOX (``doveadm index`` waits)."""
    command = ["doveadm", "-c", str(config), "index", "-u", USER, "INBOX"]
    subprocess.run(command, check=True, capture_output=True)


_INOTIFY = Path("/proc/sys/fs/inotify/max_user_instances")
_INOTIFY_WANTED = 4096


def _raise_inotify_limit() -> None:
    """Each Dovecot imap process in IDLE takes an inotify instance, all as the ``mail`` user;
    past the kernel's limit (128 by default) Dovecot falls back to polling every 30 s
    (``mailbox_idle_check_interval``), which would time the poll, not the server. Raise
    the limit for the 1,000 IDLE clients when we may (root); a runtime setting only."""
    try:
        if int(_INOTIFY.read_text()) < _INOTIFY_WANTED and os.geteuid() == 0:
            _INOTIFY.write_text(f"{_INOTIFY_WANTED}\n")
    except OSError:
        pass


def _master_pid(workdir: Path, timeout: float = 30.0) -> int:
    """The master's pid, from the file it writes once it has daemonized (after it listens)."""
    pid_file = workdir / "run" / "master.pid"
    deadline = time.monotonic() + timeout
    while not pid_file.exists() or not pid_file.read_text().strip():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Dovecot wrote no {pid_file}; see {workdir / 'dovecot.log'}")
        time.sleep(0.05)
    return int(pid_file.read_text().split()[0])


def _stop(config: Path, master: int | None) -> None:
    """Stop Dovecot and wait for every process of it (an indexer-worker may still be
    writing the full-text index into the maildir, which is removed next)."""
    pids = process_tree(master) if master else []
    subprocess.run(["dovecot", "-c", str(config), "stop"], check=False, capture_output=True)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


@contextmanager
def running_dovecot(workdir: Path, fts: bool = False) -> Iterator[Target]:
    """Dovecot serving POP3, IMAP and LMTP for the bench account, from ``workdir``; with
    ``fts``, with fts-xapian's full-text index, finished after the load (``settle``)."""
    workdir.mkdir(mode=0o755)
    ports = {service: free_port() for service in ("lmtp", "pop3", "imap")}
    config = _configure(workdir, ports, fts)
    _raise_inotify_limit()
    subprocess.run(["dovecot", "-c", str(config)], check=True)
    master = None
    try:
        for port in ports.values():
            wait_for_port(port)
        master = root = _master_pid(workdir)
        if fts:
            settle = partial(_index, config)
            yield Target(DOVECOT_FTS, ports, lambda: process_tree(root), settle=settle)
        else:
            yield Target(DOVECOT, ports, lambda: process_tree(root))
    finally:
        _stop(config, master)
