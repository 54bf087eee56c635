"""The command-line contract (README.md), run as a user would run it."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest

from hato import __version__
from hato.config import SERVICES
from tests.e2e.harness import HatoProcess, free_port, hato, inbox_messages, read_store


def test_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hato", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"hato {__version__}"


@pytest.mark.parametrize(
    "command",
    [[], ["serve"], ["user"], ["user", "add"], ["user", "passwd"], ["user", "del"],
     ["user", "list"], ["user", "admin"], ["user", "token"], ["lint"], ["sieve", "list"],
     ["sieve", "put"], ["sieve", "get"], ["sieve", "activate"], ["sieve", "check"],
     ["class"], ["class", "import"], ["class", "seed"], ["class", "reset"], ["class", "remove"]],
)  # fmt: skip
def test_every_command_has_help(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hato", *command, "--help"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert "--data-dir" in done.stdout and "--config" in done.stdout


def test_user_lifecycle(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = hato("user", "add", "Alice", "--password-stdin", data_dir=data, stdin="s3cret\n")
    assert added.returncode == 0, added.stderr
    again = hato("user", "add", "alice", "--password-stdin", data_dir=data, stdin="x\n")
    assert again.returncode == 1 and "exists" in again.stderr
    hato("user", "add", "bob", "--password-stdin", "--apop", data_dir=data, stdin="pw\n")
    listed = hato("user", "list", data_dir=data)
    assert listed.stdout.splitlines() == ["alice", "bob  (apop)"]
    changed = hato("user", "passwd", "alice", "--password-stdin", data_dir=data, stdin="new\n")
    assert changed.returncode == 0
    missing = hato("user", "passwd", "carol", "--password-stdin", data_dir=data, stdin="x\n")
    assert missing.returncode == 1
    assert hato("user", "del", "bob", data_dir=data).returncode == 0
    assert hato("user", "del", "bob", data_dir=data).returncode == 1
    assert hato("user", "list", data_dir=data).stdout.splitlines() == ["alice"]


def test_administrators_and_tokens(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = hato("user", "add", "root", "--admin", "--password-stdin", data_dir=data, stdin="pw\n")
    assert added.returncode == 0 and added.stdout == "hato: administrator root added\n"
    hato("user", "add", "bob", "--password-stdin", data_dir=data, stdin="pw\n")
    assert hato("user", "list", data_dir=data).stdout.splitlines() == ["bob", "root  (admin)"]
    made = hato("user", "admin", "bob", data_dir=data)
    assert made.returncode == 0 and made.stdout == "hato: bob is an administrator\n"
    taken = hato("user", "admin", "root", "--off", data_dir=data)
    assert taken.stdout == "hato: root is no longer an administrator\n"
    assert hato("user", "list", data_dir=data).stdout.splitlines() == ["bob  (admin)", "root"]
    missing = hato("user", "admin", "carol", data_dir=data)
    assert missing.returncode == 1 and missing.stderr == "hato: no such user: carol\n"
    token = hato("user", "token", "bob", data_dir=data)
    assert token.returncode == 0 and token.stdout.count("\n") == 1
    assert token.stdout.startswith("hato_") and len(token.stdout.strip()) > 40
    assert hato("user", "token", "carol", data_dir=data).returncode == 1


def test_new_account_has_the_standard_mailboxes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    hato("user", "add", "alice", "--password-stdin", data_dir=data, stdin="pw\n")

    async def mailboxes(store: object) -> list[tuple[str, str | None, bool]]:
        account = await store.get_account("alice")  # type: ignore[attr-defined]
        boxes = await store.mailstore(account.id).list_mailboxes()  # type: ignore[attr-defined]
        return sorted((b.name, b.special_use, b.subscribed) for b in boxes)

    assert read_store(data, mailboxes) == [
        ("Drafts", "\\Drafts", True),
        ("INBOX", None, True),
        ("Sent", "\\Sent", True),
        ("Trash", "\\Trash", True),
    ]


def test_password_is_checked(tmp_path: Path) -> None:
    from hato.auth.passwords import verify_password

    data = tmp_path / "data"
    hato("user", "add", "alice", "--password-stdin", data_dir=data, stdin="right\n")

    async def credentials(store: object) -> object:
        account = await store.get_account("alice")  # type: ignore[attr-defined]
        return account.credentials

    creds = read_store(data, credentials)
    assert verify_password(creds, "right")  # type: ignore[arg-type]
    assert not verify_password(creds, "wrong")  # type: ignore[arg-type]
    assert creds.apop_secret is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["", "a b", "../etc", "x" * 70, "ünï", "a@b"])
def test_bad_user_names_are_refused(tmp_path: Path, name: str) -> None:
    done = hato("user", "add", name, "--password-stdin", data_dir=tmp_path / "d", stdin="pw\n")
    assert done.returncode == 1
    assert "invalid user name" in done.stderr


def test_bad_config_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('hostname = "x"\nfrobnicate = 1\n')
    done = hato("user", "list", "--config", str(config), data_dir=tmp_path / "d")
    assert done.returncode == 1
    assert "frobnicate" in done.stderr


@pytest.mark.parametrize(
    "command",
    [["serve", "--smtp=0", "--lmtp=0", "--submission=0", "--submissions=0", "--pop3=0",
      "--pop3s=0", "--imap=0", "--imaps=0", "--managesieve=0"],
     ["user", "list"], ["user", "add", "alice", "--password-stdin"], ["alias", "list"],
     ["queue", "list"], ["migrate"]],
)  # fmt: skip
def test_bad_config_is_refused_before_anything_is_created(
    tmp_path: Path, command: list[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[manners]\npolicyy = 'warn'\n[routes]\n'x' = 'mx:abc'\n")
    data = tmp_path / "data"
    done = hato(*command, "--config", str(config), data_dir=data, stdin="pw\n")
    assert done.returncode == 1, done.stdout
    assert done.stderr.splitlines() == [
        f"hato: {config}: 2 problems:",
        "  manners.policyy: unknown key (known: policy, language, disable, "
        "exposed_recipients_limit, addressee_lines, closing_lines)",
        """  routes."x": 'mx:abc' is not host:port with a port from 1 to 65535""",
    ]
    assert not data.exists()


def test_aliases_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "hato.toml"
    config.write_text('domains = ["example.org", "example.net"]\n')
    data = tmp_path / "data"

    def alias(*args: str) -> subprocess.CompletedProcess[str]:
        return hato("alias", *args, "--config", str(config), data_dir=data)

    added = hato(
        "user", "add", "alice", "--password-stdin", "--config", str(config),
        data_dir=data, stdin="pw\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    for good in (["info@example.org", "alice"], ["postmaster", "Alice", "info@example.org"],
                 ["team@example.net", "alice+lists@example.org", "carol@remote.test"]):  # fmt: skip
        done = alias("add", *good)
        assert done.returncode == 0, done.stderr
    for bad, why in (
        (["bad address@@", "alice"], "bad address@@: not an address"),
        (["a b", "alice"], "a b: not a local part"),
        (["info@remote.test", "alice"], "info@remote.test: not in a local domain"),
        (["sales@example.org", "nobody"], "nobody: no such account or alias"),
        (["sales@example.org", "nobody@example.net"], "nobody@example.net: no such account"),
        (["sales", "bad target@@"], "bad target@@: not an account name nor an address"),
        (["sales@example.org", "sales@example.org"], "must not point to itself"),
    ):
        done = alias("add", *bad)
        assert done.returncode == 1, done.stdout
        assert done.stderr.startswith(f"hato: alias {bad[0]} not added: "), done.stderr
        assert why in done.stderr
    assert alias("list").stdout.splitlines() == [
        "info@example.org: alice",
        "postmaster: alice, info@example.org",
        "team@example.net: alice+lists@example.org, carol@remote.test",
    ]


def test_demo_creates_the_classroom_account_once(tmp_path: Path) -> None:
    process = HatoProcess(tmp_path / "data", args=("--demo",))
    process.start()
    assert process.stop(signal.SIGINT) == 0
    shown = [line for line in process.output if "administrator admin" in line]
    assert len(shown) == 1 and shown[0].startswith("hato: web console administrator admin, ")
    process.output.clear()
    process.start()
    assert process.stop() == 0
    assert not [line for line in process.output if "password" in line]  # shown once only
    messages = inbox_messages(process.data_dir, "is_network")
    assert len(messages) == 1
    assert b"Subject: Welcome to hato" in messages[0]

    async def names(store: object) -> list[str]:
        account = await store.get_account("is_network")  # type: ignore[attr-defined]
        boxes = await store.mailstore(account.id).list_mailboxes()  # type: ignore[attr-defined]
        return sorted(b.name for b in boxes)

    assert read_store(process.data_dir, names) == [
        "Archives", "Archives.2026", "Drafts", "INBOX", "INBOX.lecture", "Sent", "Trash",
    ]  # fmt: skip
    assert (process.data_dir / "tls" / "cert.pem").exists()
    assert (process.data_dir / "tls" / "key.pem").stat().st_mode & 0o077 == 0

    async def flags(store: object) -> dict[str, bool]:
        return {a.name: a.admin for a in await store.list_accounts()}  # type: ignore[attr-defined]

    assert read_store(process.data_dir, flags) == {"admin": True, "is_network": False}


def test_serve_prints_listeners_and_stops_cleanly(tmp_path: Path) -> None:
    process = HatoProcess(tmp_path / "data").start()
    assert f"hato: smtp listening on 127.0.0.1:{process.ports['smtp']}" in process.output
    assert f"hato: lmtp listening on 127.0.0.1:{process.ports['lmtp']}" in process.output
    assert process.stop(signal.SIGTERM) == 0
    assert "hato: stopped" in process.output


def test_port_in_use_is_reported(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = HatoProcess(tmp_path / "data", ports={"smtp": port})
        with pytest.raises(AssertionError):
            process.start()
        assert any("cannot start" in line for line in process.output)


def test_trace_redacts_and_omits_bodies(tmp_path: Path) -> None:
    process = HatoProcess(tmp_path / "data", args=("--trace",))
    process.add_user("alice", "pw")
    process.start()
    with smtplib.SMTP("127.0.0.1", process.ports["smtp"]) as smtp:
        smtp.sendmail(
            "c@remote.example", ["alice@example.org"], b"Subject: s\r\n\r\nsecret body\r\n"
        )
        smtp.docmd("AUTH", "PLAIN AGFsaWNlAHB3")
    process.stop()
    trace = "\n".join(process.output)
    assert "C: mail FROM:<c@remote.example>" in trace
    assert "S: 250 2.1.5 Ok" in trace
    assert "[message of" in trace
    assert "secret body" not in trace
    assert "AGFsaWNlAHB3" not in trace and "AUTH PLAIN [REDACTED]" in trace


def test_make_serve_runs_the_demo(tmp_path: Path) -> None:
    """The newcomer's path: ``make serve`` (with ports moved off the defaults)."""
    root = Path(__file__).resolve().parents[2]
    smtp = free_port()
    ports = " ".join(f"--{s}=0" for s in SERVICES if s != "smtp")
    args = f"--data-dir {tmp_path / 'data'} --smtp {smtp} {ports}"
    process = subprocess.Popen(
        ["make", "-s", "serve", f"HATO_ARGS={args}"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("hato: ready"):
                break
        assert f"hato: smtp listening on 127.0.0.1:{smtp}\n" in lines, lines
        with smtplib.SMTP("127.0.0.1", smtp) as client:
            client.sendmail(
                "c@remote.example", ["is_network@localhost"], b"Subject: hi\r\n\r\nhi\r\n"
            )
    finally:
        os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in a terminal would
        process.wait(timeout=30)
        assert process.stdout is not None
        process.stdout.close()
    assert len(inbox_messages(tmp_path / "data", "is_network")) == 2


@pytest.fixture
def without_psycopg(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``import psycopg`` fails as it does when the optional extra
    ``postgresql`` is not installed: a module of that name, first on the path, that says so."""
    shim = tmp_path / "no-psycopg"
    shim.mkdir()
    (shim / "psycopg.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'psycopg'\", name='psycopg')\n"
    )
    path = os.pathsep.join(p for p in (str(shim), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


@pytest.mark.parametrize(
    "command",
    [["serve"], ["migrate"], ["user", "list"], ["store", "copy", "--to", "postgresql://h/db"]],
)
def test_postgresql_without_psycopg_says_what_to_install(
    command: list[str], tmp_path: Path, without_psycopg: dict[str, str]
) -> None:
    store = [] if command[0] == "store" else ["--store", "postgresql://hato@127.0.0.1:1/hato"]
    done = subprocess.run(
        [sys.executable, "-m", "hato", *command, "--data-dir", str(tmp_path / "data"), *store],
        capture_output=True, text=True, timeout=60, check=False, env=without_psycopg,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("hato: ") and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.endswith(
        "a postgresql:// store needs psycopg, which is not installed here: "
        "pip install 'hato[postgresql]'\n"
    )


def test_embedded_store_needs_no_psycopg(tmp_path: Path, without_psycopg: dict[str, str]) -> None:
    data = str(tmp_path / "data")
    for command, stdin in (
        (["user", "add", "alice", "--password-stdin"], "pw\n"),
        (["migrate"], None),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "hato", *command, "--data-dir", data],
            input=stdin, capture_output=True, text=True, timeout=60, check=False,
            env=without_psycopg,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
