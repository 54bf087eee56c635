"""The relay logs in to a smart host ([relay_auth]): STARTTLS and AUTH, against a second hato."""

from __future__ import annotations

from pathlib import Path

import pytest

from hato.config import ConfigError, config_from_table
from tests.e2e.harness import HatoProcess
from tests.e2e.relay_peer import wait_until
from tests.e2e.test_relay import queue_list, submit
from tests.mailauth.dns_server import unused_address


def test_the_relay_logs_in_to_its_smart_host_and_defers_when_refused(tmp_path: Path) -> None:
    nowhere = f'[dns]\nservers = ["{unused_address()}"]\ntimeout = 1\n'
    smart = HatoProcess(tmp_path / "smart", services=("submission",), extra_config=nowhere)
    smart.add_user("alice", "smart-pw")
    smart.start()
    password = tmp_path / "smarthost.pw"
    password.write_text("smart-pw\n")
    route = f"127.0.0.1:{smart.ports['submission']}"
    config = (
        f'[routes]\n"*" = "{route}"\n[queue]\nretry = [1]\ntimeout = 5\n'
        f'[relay_auth."{route}"]\nuser = "alice"\npassword_file = "{password}"\n'
    )
    local = HatoProcess(tmp_path / "a", services=("submissions",), extra_config=config)
    local.add_user("alice", "alice-pw")
    local.start()
    try:
        submit(local, ["zoe@remote.test"])
        wait_until(lambda: "zoe@remote.test" in queue_list(smart))  # accepted after AUTH
        wait_until(lambda: "queue is empty" in queue_list(local))
        password.write_text("wrong\n")  # read again at the next connection
        submit(local, ["zed@remote.test"])
        wait_until(lambda: "4.7.0 login to" in queue_list(local))
        assert "zed@remote.test" not in queue_list(smart)
    finally:
        assert local.stop() == 0
        assert smart.stop() == 0


def test_relay_logins_are_checked_with_the_configuration() -> None:
    table = {"relay_auth": {"Smart.test:587": {"user": "u", "password_file": "pw"}}}
    (login,) = config_from_table(table).relay_auth.items()
    assert login[0] == ("smart.test", 587) and login[1].user == "u"
    for bad in ({"smart.test": {"user": "u", "password_file": "p"}}, {"s.test:25": {"user": "u"}}):
        with pytest.raises(ConfigError, match="relay_auth"):
            config_from_table({"relay_auth": bad})
