"""Run a real ``hato serve`` process on free loopback ports, as users would."""

from __future__ import annotations

import asyncio
import atexit
import base64
import imaplib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.target import free_port
from hato.config import SERVICES
from hato.store import Store, open_store

CONFIG = """\
hostname = "{hostname}"
domains = [{domains}]
{extra}
"""


#: When set (to a PostgreSQL server url), every HatoProcess and read_store uses a database
#: of its own on that server instead of the embedded store: the protocol e2e tests run
#: against PostgreSQL too (tests/e2e/test_protocols_postgresql.py sets it).
STORE_SERVER_ENV = "HATO_TEST_PG_SERVER"


def store_url(data_dir: Path) -> str | None:
    """The PostgreSQL database for ``data_dir`` (created on first use), if one is wanted."""
    server = os.environ.get(STORE_SERVER_ENV)
    if not server:
        return None
    import hashlib

    import psycopg

    name = "e2e_" + hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    return server.rsplit("/", 1)[0] + "/" + name


def hato(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one ``hato`` command to completion."""
    url = store_url(data_dir) if "--config" not in args and "--store" not in args else None
    store = ["--store", url] if url else []
    return subprocess.run(
        [sys.executable, "-m", "hato", *args, "--data-dir", str(data_dir), *store],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


#: Every ``hato serve`` started and not stopped yet. A fixture that fails after ``start``
#: never reaches its ``stop``; what is left here when the test run ends is killed then.
_RUNNING: set[subprocess.Popen[str]] = set()


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_RUNNING):
        if process.poll() is None:
            process.kill()
            process.wait()
    _RUNNING.clear()


@dataclass
class HatoProcess:
    data_dir: Path
    services: Iterable[str] = ("smtp", "lmtp")
    extra_config: str = ""
    domains: tuple[str, ...] = ("example.org", "localhost")
    hostname: str = "mail.test"
    env: dict[str, str] = field(default_factory=dict)  # more environment for `hato serve`
    args: tuple[str, ...] = ()
    wrapper: tuple[str, ...] = ()  # a command that runs the server (unshare, setpriv, ...)
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None
    output: list[str] = field(default_factory=list)
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _reader: threading.Thread | None = None

    @property
    def config_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.toml"

    def _config_text(self) -> str:
        domains = ", ".join(f'"{d}"' for d in self.domains)
        extra = self.extra_config
        url = store_url(self.data_dir) if "[store]" not in extra else None
        if url is not None:
            extra += f'\n[store]\nurl = "{url}"\n'
        return CONFIG.format(hostname=self.hostname, domains=domains, extra=extra)

    def add_user(self, name: str, password: str, *flags: str) -> None:
        self.config_path.write_text(self._config_text())
        done = hato(
            "user", "add", name, "--password-stdin", *flags,
            "--config", str(self.config_path), data_dir=self.data_dir, stdin=password + "\n",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    def add_users(self, *names: str) -> HatoProcess:
        """Each of ``names`` with the password ``NAME-pw``."""
        for name in names:
            self.add_user(name, f"{name}-pw")
        return self

    def start(self) -> HatoProcess:
        """Start ``hato serve`` and wait until it is ready.

        Ports the caller did not choose are picked free; should another program bind one
        between the pick and hato's bind, hato is started again on new ones.
        """
        chosen = bool(self.ports)
        for _attempt in range(4):
            if not chosen:
                self.ports = {service: free_port() for service in self.services}
            try:
                return self._start_once()
            except AssertionError:
                if chosen or not any("address already in use" in o for o in self.output):
                    raise
                self.output.clear()
        raise AssertionError(f"hato found no free ports: {self.output}")

    def _start_once(self) -> HatoProcess:
        self.config_path.write_text(self._config_text())
        port_args = [f"--{s}={self.ports.get(s, 0)}" for s in SERVICES]
        command = [*self.wrapper, sys.executable, "-m", "hato", "serve"]
        command += ["--data-dir", str(self.data_dir)]
        command += ["--config", str(self.config_path), *port_args, *self.args]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, **self.env} if self.env else None,
        )  # fmt: skip
        _RUNNING.add(self.process)
        self._lines = queue.Queue()
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        try:
            self.wait_for("hato: ready")
        except AssertionError:
            self.kill()
            raise
        return self

    def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, marker: str, timeout: float = 30) -> str:
        """Wait until hato prints a line starting with ``marker``; return it."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.output.append(line)
            if line.startswith(marker):
                return line
        raise AssertionError(f"hato did not say {marker!r}: {self.output}")

    def new_output(self) -> list[str]:
        """The lines hato printed since the last look, without waiting for more."""
        lines = []
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                lines.append(line)
        self.output += lines
        return lines

    def rss_kib(self, field: str = "VmRSS") -> int:
        """The process's resident set size (``VmRSS`` in /proc), in KiB; ``VmHWM``: its peak."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(
            next(line for line in status.splitlines() if line.startswith(f"{field}:")).split()[1]
        )

    def _drain(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=10)
        while not self._lines.empty():
            line = self._lines.get()
            if line is not None:
                self.output.append(line)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        _RUNNING.discard(self.process)
        self._drain()
        assert self.process.stdout is not None
        self.process.stdout.close()
        return self.process.returncode

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        _RUNNING.discard(self.process)
        self._drain()
        assert self.process.stdout is not None
        self.process.stdout.close()


def read_store(data_dir: Path, work: object) -> object:
    """Run ``work(store)`` (a coroutine function) against the data dir's store."""

    async def run() -> object:
        store: Store = open_store(data_dir / "hato.sqlite3", store_url(data_dir))
        try:
            return await work(store)  # type: ignore[operator]
        finally:
            await store.close()

    return asyncio.run(run())


def inbox_messages(data_dir: Path, user: str, mailbox: str = "INBOX") -> list[bytes]:
    """Every message in ``user``'s INBOX (or ``mailbox``), in UID order."""

    async def work(store: Store) -> list[bytes]:
        account = await store.get_account(user)
        assert account is not None
        box = store.mailstore(account.id)
        inbox = await box.get_mailbox(mailbox)
        assert inbox is not None
        out = []
        for summary in await box.messages(inbox.id):
            content = await box.read_message(inbox.id, summary.uid)
            assert content is not None
            out.append(content)
        return out

    result = read_store(data_dir, work)
    assert isinstance(result, list)
    return result


def raw_imap_session(port: int, login: str, *lines: str) -> list[bytes]:
    """Send `LOGIN login`, the lines and LOGOUT in one go (pipelined, as a telnet user
    pasting would); every line answered, up to LOGOUT's OK."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        script = [f"a LOGIN {login}", *lines, "z LOGOUT"]
        sock.sendall("".join(line + "\r\n" for line in script).encode())
        received = b""
        while not received.endswith(b"\r\nz OK Logout completed.\r\n") and (
            chunk := sock.recv(65536)
        ):
            received += chunk
    return received.split(b"\r\n")


def tagged_answer(lines: list[bytes], tag: str) -> bytes:
    """The tagged line of ``tag`` among a session's lines."""
    return next(line for line in lines if line.startswith(tag.encode() + b" "))


def b_word(text: str, charset: str) -> str:
    """An RFC 2047 B encoded-word of ``text`` in ``charset``."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def seed_inbox(port: int, user: str, password: str, messages: Iterable[tuple[bytes, str]]) -> None:
    """APPEND (message, INTERNALDATE) pairs to INBOX after one message appended and
    expunged first, so that UIDs are sequence numbers plus one (tests can tell them apart)."""
    client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    client.login(user, password)
    client.append("INBOX", "(\\Deleted)", None, b"Subject: gone\r\n\r\nx\r\n")
    client.select("INBOX")
    client.expunge()
    for message, internal in messages:
        assert client.append("INBOX", None, f'"{internal}"', message)[0] == "OK"
    client.logout()
