"""A store hato cannot open: every command says why in one ``hato:`` line and exits 1.

Real causes, not mocks: a port nothing listens on, a PostgreSQL cluster that
wants a password, a database that does not exist, a data directory on a
read-only mount (a private mount namespace) or one this user may not write
(root's override of file permissions dropped with setpriv). ``hato serve``
checks the store before it says ``hato: ready``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import free_port
from tests.pg import Cluster, running_cluster

#: Runs the rest of the command with ``$0`` (the data directory) mounted read-only.
READ_ONLY = ("unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind -o ro "$0" "$0" && exec "$@"')  # fmt: skip
#: Runs the rest of the command as root without the power to ignore file permissions.
NO_OVERRIDE = ("setpriv", "--inh-caps=-all",
               "--bounding-set=-dac_override,-dac_read_search,-fowner", "--")  # fmt: skip


def run(
    *args: str, wrapper: tuple[str, ...] = (), stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """One ``hato`` command, with nothing from the test's PostgreSQL server mixed in."""
    return subprocess.run(
        [*wrapper, sys.executable, "-m", "hato", *args],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def refusal(done: subprocess.CompletedProcess[str]) -> str:
    """The one ``hato:`` line a failed command printed (no traceback, exit status 1)."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "hato: ready" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("hato: ")
    return lines[0]


def serve(data_dir: Path, *args: str, wrapper: tuple[str, ...] = ()) -> str:
    ports = [f"--{service}=0" for service in ("smtp", "lmtp", "pop3", "imap", "submission")]
    done = run("serve", "--data-dir", str(data_dir), *ports, *args, wrapper=wrapper)
    return refusal(done)


@pytest.fixture(scope="module")
def locked_cluster() -> Iterator[Cluster]:
    """A cluster of its own that asks for a password (scram-sha-256)."""
    with running_cluster(password="right-secret") as cluster:
        yield cluster


def test_an_unsupported_store_url_is_named_without_its_password(tmp_path: Path) -> None:
    url = "mysql://mail:hunter2@db.example/mail"
    line = refusal(run("user", "list", "--data-dir", str(tmp_path), "--store", url))
    assert "unsupported store url mysql://mail:***@db.example/mail" in line
    assert "hunter2" not in line
    assert "postgresql://" in line


def test_nothing_listening_on_the_postgresql_port_is_told_at_once(tmp_path: Path) -> None:
    url = f"postgresql://hato@127.0.0.1:{free_port()}/mail"
    line = refusal(run("user", "list", "--data-dir", str(tmp_path), "--store", url))
    assert "Connection refused" in line and "check the host and port" in line
    line = serve(tmp_path, "--store", url)
    assert line.startswith("hato: cannot start: cannot open the store")
    assert "Connection refused" in line
    line = refusal(run("migrate", "--data-dir", str(tmp_path), "--store", url))
    assert line.startswith("hato: migration failed:") and "check the host and port" in line
    line = refusal(run("store", "copy", "--data-dir", str(tmp_path), "--to", url))
    assert line.startswith("hato: copy failed:") and "check the host and port" in line


def test_a_wrong_password_names_the_user_and_the_remedy(
    tmp_path: Path, locked_cluster: Cluster
) -> None:
    url = locked_cluster.url(password="wrong-secret")
    for command in (("user", "list"), ("alias", "list")):
        line = refusal(run(*command, "--data-dir", str(tmp_path), "--store", url))
        assert f'password authentication failed for user "{locked_cluster.user}"' in line
        assert "check the user and password in the store url" in line
        assert "wrong-secret" not in line
    line = serve(tmp_path, "--store", url)
    assert "password authentication failed" in line


def test_a_missing_database_is_named(tmp_path: Path, locked_cluster: Cluster) -> None:
    url = locked_cluster.url("no_such_db")
    line = refusal(run("user", "list", "--data-dir", str(tmp_path), "--store", url))
    assert 'database "no_such_db" does not exist' in line and "createdb" in line
    assert "right-secret" not in line


def test_the_right_password_opens_the_store(tmp_path: Path, locked_cluster: Cluster) -> None:
    done = run("user", "list", "--data-dir", str(tmp_path), "--store", locked_cluster.url())
    assert done.returncode == 0, done.stderr


def _needs(tool: str) -> None:
    if os.geteuid() != 0 or shutil.which(tool) is None:
        pytest.skip(f"needs root and {tool}")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory with a database in it, made by ``hato user add``."""
    directory = tmp_path / "data"
    add = ("user", "add", "alice", "--password-stdin", "--data-dir", str(directory))
    done = run(*add, stdin="secret\n")
    assert done.returncode == 0, done.stderr
    return directory


def test_a_read_only_data_directory_is_named(data_dir: Path) -> None:
    _needs("unshare")
    wrapper = (*READ_ONLY, str(data_dir))
    line = refusal(run("user", "list", "--data-dir", str(data_dir), wrapper=wrapper))
    assert f"the data directory {data_dir} is not writable (Read-only file system)" in line
    assert "--data-dir" in line
    assert "Read-only file system" in serve(data_dir, wrapper=wrapper)


def test_a_data_directory_this_user_may_not_write_is_named(data_dir: Path) -> None:
    _needs("setpriv")
    data_dir.chmod(0o555)
    try:
        line = refusal(run("user", "list", "--data-dir", str(data_dir), wrapper=NO_OVERRIDE))
        assert f"the data directory {data_dir} is not writable (Permission denied)" in line
        assert "give this user write access" in line
        fresh = data_dir / "inner" / "data"
        line = refusal(run("user", "list", "--data-dir", str(fresh), wrapper=NO_OVERRIDE))
        assert f"cannot create the data directory {fresh} (Permission denied)" in line
    finally:
        data_dir.chmod(0o755)


def test_a_database_file_this_user_may_not_write_is_named(data_dir: Path) -> None:
    _needs("setpriv")
    database = data_dir / "hato.sqlite3"
    database.chmod(0o444)
    line = refusal(run("user", "list", "--data-dir", str(data_dir), wrapper=NO_OVERRIDE))
    assert f"the database file {database} is not writable (Permission denied)" in line
    assert "Permission denied" in serve(data_dir, wrapper=NO_OVERRIDE)


def test_a_full_disk_at_start_is_named(tmp_path: Path) -> None:
    _needs("unshare")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    filled = 'cat /dev/zero > "$0/filler" 2>/dev/null'
    fill = f'mount -t tmpfs -o size=64k hato-full "$0" && ({filled}; exec "$@")'
    wrapper = ("unshare", "--mount", "--propagation", "private", "sh", "-c", fill, str(data_dir))
    line = refusal(run("user", "list", "--data-dir", str(data_dir), wrapper=wrapper))
    assert f"the disk holding {data_dir} is full" in line and "free some space" in line
