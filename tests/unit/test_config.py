from __future__ import annotations

from pathlib import Path

import pytest

from hato.auth.passwords import Argon2Params
from hato.config import (
    DEFAULT_PORTS,
    Config,
    ConfigError,
    Limits,
    config_from_table,
    load_config,
    split_route,
)


def test_defaults() -> None:
    config = load_config(None)
    assert config.host == "127.0.0.1"
    assert config.ports == DEFAULT_PORTS
    assert config.data_dir == Path("hato-data")
    assert "localhost" in config.local_domains
    assert config.limits == Limits()


def test_full_file(tmp_path: Path) -> None:
    path = tmp_path / "hato.toml"
    path.write_text(
        'hostname = "mail.example.org"\n'
        'domains = ["Example.ORG."]\n'
        'data_dir = "data"\n'
        "[tls]\ncert = 'c.pem'\nkey = 'k.pem'\n"
        "[limits]\nmessage_size = 1000\nidle_timeout = 2.5\n"
        "[ports]\npop3 = 0\n"
        "[routes]\n'*' = 'smarthost:25'\n"
        "[manners]\npolicy = 'warn'\n"
    )
    config = load_config(path)
    assert config.hostname == "mail.example.org"
    assert config.local_domains == ("example.org",)
    assert config.data_dir == tmp_path / "data"
    assert config.cert_paths() == (tmp_path / "c.pem", tmp_path / "k.pem")
    assert config.limits.message_size == 1000 and config.limits.idle_timeout == 2.5
    assert config.ports["pop3"] == 0 and config.ports["imap"] == 10143
    assert config.routes == {"*": "smarthost:25"}
    assert config.manners == {"policy": "warn"}


@pytest.mark.parametrize(
    "table",
    [
        {"frob": 1},
        {"domains": "example.org"},
        {"limits": {"message_size": -1}},
        {"limits": {"message_size": 1.5}},
        {"limits": {"nope": 1}},
        {"ports": {"pop3": 70000}},
        {"ports": {"gopher": 70}},
        {"tls": {"cert": "only-cert.pem"}},
        {"hostname": ""},
        {"classroom": "yes"},
        {"manners": {"policyy": "warn"}},
        {"manners": {"policy": "loud"}},
        {"routes": {"x": "mx:abc"}},
        {"routes": {"x": "mx"}},
        {"routes": {"x": "mx:0"}},
        {"routes": {"x": "mx:65536"}},
        {"routes": {"x": ":25"}},
        {"routes": {"x": "bad host:25"}},
        {"routes": {"x": "[zzz]:25"}},
        {"routes": {"x": 25}},
        {"routes": {"bad domain": "mx:25"}},
        {"store": {"uri": "postgresql://x"}},
        {"tls": {"cert": "c.pem", "key": "k.pem", "chain": "x"}},
        {"queue": {"retry": []}},
        {"domains": ["example.org", "not a domain"]},
        {"hostname": "mail\r\nexample.org"},
    ],
)
def test_bad_values_are_refused(table: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        config_from_table(table)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "hato.toml"
    path.write_text(
        "frob = 1\n[manners]\npolicyy = 'warn'\nclosing_lines = 0\n"
        "[routes]\n'x' = 'mx:abc'\n'*' = 'smarthost:25'\n[limits]\nnope = 1\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}: 5 problems:"
    assert sorted(line.split(":")[0].strip() for line in lines[1:]) == [
        "frob", "limits.nope", "manners.closing_lines", "manners.policyy", 'routes."x"',
    ]  # fmt: skip
    assert "expected a positive integer" in str(caught.value)


@pytest.mark.parametrize(
    ("route", "split"),
    [("mx.example.net:25", ("mx.example.net", 25)), ("127.0.0.1:2525", ("127.0.0.1", 2525)),
     ("[::1]:587", ("::1", 587)), ("smarthost:65535", ("smarthost", 65535))],
)  # fmt: skip
def test_good_routes(route: str, split: tuple[str, int]) -> None:
    assert config_from_table({"routes": {"*": route}}).routes == {"*": route}
    assert split_route(route) == split


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("hostname = ")
    with pytest.raises(ConfigError):
        load_config(bad)


def test_default_cert_lives_in_data_dir() -> None:
    config = Config(data_dir=Path("/d"))
    assert config.cert_paths() == (Path("/d/tls/cert.pem"), Path("/d/tls/key.pem"))


def test_sieve_quota_keys(tmp_path: Path) -> None:
    path = tmp_path / "hato.toml"
    path.write_text("[sieve]\nmax_script_size = 1000\nmax_scripts = 3\n")
    config = load_config(path)
    assert (config.sieve.max_script_size, config.sieve.max_scripts) == (1000, 3)
    path.write_text("[sieve]\nmax_scripts = 0\nmax_script_size = 2.5\n")
    with pytest.raises(ConfigError, match=r"sieve\.max_scripts.*\n.*sieve\.max_script_size"):
        load_config(path)


def test_sieve_global_scripts_are_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "good.sieve").write_text("keep;\n")
    (tmp_path / "bad.sieve").write_text("keep;\nfrobnicate;\n")
    path = tmp_path / "hato.toml"
    path.write_text('[sieve]\nbefore = "good.sieve"\nmax_scripts = 2\n')
    config = load_config(path)
    assert config.sieve_global == ("keep;\n", None) and config.sieve.max_scripts == 2
    path.write_text('[sieve]\nafter = "bad.sieve"\nbefore = "none.sieve"\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "sieve.before: cannot read none.sieve" in str(error.value)
    assert "sieve.after: bad.sieve: line 2, column 1: " in str(error.value)


def test_passwords_keys_set_the_argon2id_cost(tmp_path: Path) -> None:
    path = tmp_path / "hato.toml"
    assert load_config(None).passwords == Argon2Params(3, 65536, 4)  # argon2-cffi's own
    path.write_text("[passwords]\ntime_cost = 2\nmemory_kib = 16384\n")
    assert load_config(path).passwords == Argon2Params(2, 16384, 4)
    path.write_text("[passwords]\nmemory_kib = 16\nparallelism = 4\n")  # under 8 KiB a lane
    with pytest.raises(ConfigError, match=r"passwords: memory_kib must be 32 to"):
        load_config(path)
    path.write_text("[passwords]\ntime_cost = 0\nlanes = 2\n")
    with pytest.raises(ConfigError, match=r"passwords\.time_cost.*positive"):
        load_config(path)
