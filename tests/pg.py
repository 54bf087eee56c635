"""A throwaway PostgreSQL cluster for the tests (Debian's postgresql, version 15).

Theory of operation. ``Cluster.start`` runs ``initdb`` and ``pg_ctl start`` as the
unprivileged ``postgres`` user (the tests may run as root, which PostgreSQL refuses)
in a fresh temporary directory, listening on a free loopback port with its unix
socket in that directory. A template database carries the schema, so each test's
database is one ``CREATE DATABASE ... TEMPLATE`` away. ``stop`` shuts the cluster
down and removes the directory. ``fsync`` stays on: the store's durability is real.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from bench.target import free_port

__all__ = ["Cluster", "available", "running_cluster"]

BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14)]
USER = "postgres"


def _bin_dir() -> Path | None:
    return next((d for d in BIN_DIRS if (d / "initdb").exists()), None)


def available() -> bool:
    """Whether PostgreSQL's server binaries are installed (``make system-deps``)."""
    return _bin_dir() is not None


def _as_postgres(*command: str) -> list[str]:
    if os.geteuid() != 0:
        return list(command)
    return ["runuser", "-u", USER, "--", *command]


@dataclass
class Cluster:
    """One running throwaway cluster; ``database()`` makes a fresh database url."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hato-pg-")))
    port: int = 0
    password: str = ""  # set: clients must give it (scram-sha-256), else trust
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def user(self) -> str:
        return USER if os.geteuid() == 0 else os.environ.get("USER", USER)

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        secret = self.password if password is None else password
        user = f"{self.user}:{secret}" if secret else self.user
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> Cluster:
        bin_dir = _bin_dir()
        assert bin_dir is not None, "PostgreSQL is not installed (make system-deps)"
        if os.geteuid() == 0:
            shutil.chown(self.root, USER, USER)
        data = self.root / "data"
        auth = ["-A", "trust"]
        if self.password:
            secret = self.root / "password"
            secret.write_text(self.password + "\n")
            if os.geteuid() == 0:
                shutil.chown(secret, USER, USER)
            auth = ["-A", "scram-sha-256", "--pwfile", str(secret)]
        self._run(str(bin_dir / "initdb"), "-D", str(data), *auth, "-U", self.user,
                  "--no-sync", "-E", "UTF8", "--locale", "C", "--lc-ctype", "C.UTF-8")  # fmt: skip
        self.port = free_port()
        self.resume()
        return self

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            _as_postgres(*command), capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def database(self, template: str | None = None) -> str:
        """Create a new empty database (or a copy of ``template``); return its url."""
        name = f"hato_{next(self._names)}"
        clause = f" TEMPLATE {template}" if template else ""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}{clause}")
        return self.url(name)

    def pause(self) -> None:
        """Stop the server (fast shutdown), keeping its data: a database restart's first half."""
        self._pg_ctl("-m", "fast", "stop")

    def resume(self) -> None:
        """Start the stopped server again on the same port."""
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c max_connections=300"
        self._pg_ctl("-l", str(self.root / "log"), "-o", options, "-w", "start")

    def _pg_ctl(self, *args: str) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None
        self._run(str(bin_dir / "pg_ctl"), "-D", str(self.root / "data"), *args)

    def stop(self) -> None:
        bin_dir = _bin_dir()
        data = self.root / "data"
        if bin_dir is not None and (data / "postmaster.pid").exists():
            self._run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running_cluster(password: str = "") -> Iterator[Cluster]:
    """A started cluster, stopped and removed afterwards; the test is skipped without PostgreSQL."""
    if not available():
        pytest.skip("PostgreSQL is not installed (make system-deps installs it)")
    cluster = Cluster(password=password).start()
    try:
        yield cluster
    finally:
        cluster.stop()
