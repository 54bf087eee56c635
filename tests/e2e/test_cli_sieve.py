"""``hato sieve``: scripts stored, listed, read back, activated and checked, as a user runs it."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import hato

SCRIPT = 'require "fileinto";\nif header :contains "subject" "list" {\n  fileinto "Lists";\n}\n'
BROKEN = 'require "fileinto";\nif true {\n  fileinto "x"\n}\n'


def test_put_list_get_activate(tmp_path: Path) -> None:
    data = tmp_path / "data"
    hato("user", "add", "alice", "--password-stdin", data_dir=data, stdin="pw\n")
    assert hato("sieve", "list", "--user", "alice", data_dir=data).stdout == ""
    put = hato("sieve", "put", "--user", "alice", "lists", data_dir=data, stdin=SCRIPT)
    assert put.returncode == 0, put.stderr
    path = tmp_path / "other.sieve"
    path.write_text("keep;\n")
    other = hato("sieve", "put", "--user", "alice", "other", str(path), data_dir=data)
    assert other.returncode == 0, other.stderr
    activated = hato("sieve", "activate", "--user", "alice", "lists", data_dir=data)
    assert activated.returncode == 0, activated.stderr
    listed = hato("sieve", "list", "--user", "alice", data_dir=data)
    assert listed.stdout.splitlines() == ["lists  (active)", "other"]
    assert hato("sieve", "get", "--user", "alice", "lists", data_dir=data).stdout == SCRIPT
    missing = hato("sieve", "get", "--user", "alice", "nope", data_dir=data)
    assert missing.returncode == 1 and missing.stderr == "hato: no such script: nope\n"
    none = hato("sieve", "activate", "--user", "alice", data_dir=data)
    assert none.returncode == 0
    listed = hato("sieve", "list", "--user", "alice", data_dir=data)
    assert listed.stdout.splitlines() == ["lists", "other"]


def test_put_refuses_a_broken_script_with_its_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    hato("user", "add", "alice", "--password-stdin", data_dir=data, stdin="pw\n")
    put = hato("sieve", "put", "--user", "alice", "broken", data_dir=data, stdin=BROKEN)
    assert put.returncode == 1
    assert put.stderr.startswith("hato: broken: line 4, column 1: ")
    assert hato("sieve", "list", "--user", "alice", data_dir=data).stdout == ""


def test_quota_and_unknown_user(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = tmp_path / "hato.toml"
    config.write_text("[sieve]\nmax_scripts = 1\nmax_script_size = 40\n")
    common = ("--config", str(config))
    hato("user", "add", "alice", "--password-stdin", *common, data_dir=data, stdin="pw\n")
    first = hato("sieve", "put", "--user", "alice", "a", *common, data_dir=data, stdin="keep;")
    assert first.returncode == 0, first.stderr
    second = hato("sieve", "put", "--user", "alice", "b", *common, data_dir=data, stdin="keep;")
    assert second.returncode == 1 and "at most 1 scripts" in second.stderr
    big = hato("sieve", "put", "--user", "alice", "a", *common, data_dir=data, stdin=SCRIPT)
    assert big.returncode == 1 and big.stderr.startswith("hato: ")
    nobody = hato("sieve", "list", "--user", "bob", data_dir=data)
    assert nobody.returncode == 1 and nobody.stderr == "hato: no such user: bob\n"


def test_check(tmp_path: Path) -> None:
    data = tmp_path / "data"
    good, bad = tmp_path / "good.sieve", tmp_path / "bad.sieve"
    good.write_text(SCRIPT)
    bad.write_text(BROKEN)
    ok = hato("sieve", "check", str(good), data_dir=data)
    assert ok.returncode == 0, ok.stderr
    failed = hato("sieve", "check", str(bad), data_dir=data)
    assert failed.returncode == 1
    assert failed.stderr == f"hato: {bad}: line 4, column 1: expected ';' or '{{' after fileinto\n"
    unreadable = hato("sieve", "check", str(tmp_path / "none.sieve"), data_dir=data)
    assert unreadable.returncode == 1 and "Traceback" not in unreadable.stderr
    nobody = hato("sieve", "check", "--user", "bob", str(good), data_dir=data)
    assert nobody.returncode == 1 and nobody.stderr == "hato: no such user: bob\n"
