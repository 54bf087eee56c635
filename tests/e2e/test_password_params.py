"""``[passwords]``: the argon2id cost of new hashes, and hashes made with other
parameters made again at the next successful login (a real ``hato serve``)."""

from __future__ import annotations

import imaplib
from pathlib import Path

from hato.store import Store
from tests.e2e.harness import HatoProcess, read_store

CHEAP = "\n[passwords]\ntime_cost = 1\nmemory_kib = 8192\nparallelism = 1\n"


def _hash_of(data: Path, name: str) -> str:
    async def work(store: Store) -> str:
        account = await store.get_account(name)
        assert account is not None
        return account.credentials.password_hash

    found = read_store(data, work)
    assert isinstance(found, str)
    return found


def _logs_in(port: int, name: str, password: str) -> bool:
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    try:
        imap.login(name, password)
    except imaplib.IMAP4.error:
        return False
    finally:
        imap.logout()
    return True


def test_new_parameters_reach_old_hashes_at_login(tmp_path: Path) -> None:
    server = HatoProcess(tmp_path / "data", services=("imap",))
    server.add_user("alice", "alice-pw")  # today's defaults
    assert "$m=65536,t=3,p=4$" in _hash_of(server.data_dir, "alice")
    server.extra_config = CHEAP
    server.add_user("bob", "bob-pw")  # made with the configured cost
    assert "$m=8192,t=1,p=1$" in _hash_of(server.data_dir, "bob")
    server.start()
    try:
        port = server.ports["imap"]
        assert not _logs_in(port, "alice", "wrong")
        assert "$m=65536,t=3,p=4$" in _hash_of(server.data_dir, "alice")  # only on success
        assert _logs_in(port, "alice", "alice-pw")
        assert "$m=8192,t=1,p=1$" in _hash_of(server.data_dir, "alice")
        assert _logs_in(port, "alice", "alice-pw")  # the new hash checks the same password
        assert _logs_in(port, "bob", "bob-pw")
    finally:
        assert server.stop() == 0
