"""The lab's record on both backends: members' closed sessions with their lines, kept
and pruned by time; the checklist's steps, each at its first completion."""

from __future__ import annotations

from hato.store import LabSession, Store
from tests.store.conftest import make_account

LINES = (("*", "connection from 192.0.2.7", 100.0), ("C", "USER s001 — 日本語", 100.25))


def _session(label: str, closed: float, account: str = "s001") -> LabSession:
    return LabSession(account, label, "pop3", "192.0.2.7", True, 100.0, closed, LINES)


async def test_sessions_come_back_as_kept_and_go_after_their_time(store: Store) -> None:
    await make_account(store, "s001")
    await store.save_lab_session(_session("pop3#1", 200.0))
    await store.save_lab_session(_session("pop3#2", 300.5))
    await store.save_lab_session(_session("pop3#3", 400.0, account="nobody"))  # gone: no row
    assert await store.lab_sessions(since=0) == [
        _session("pop3#1", 200.0), _session("pop3#2", 300.5)
    ]  # fmt: skip
    assert [s.label for s in await store.lab_sessions(since=250)] == ["pop3#2"]
    assert await store.prune_lab_sessions(before=250) == 1
    assert [s.label for s in await store.lab_sessions(since=0)] == ["pop3#2"]
    await store.delete_account("s001")
    assert await store.lab_sessions(since=0) == []


async def test_a_step_keeps_its_first_time(store: Store) -> None:
    await make_account(store, "s001")
    await make_account(store, "s002")
    await store.save_lab_steps("s001", {"pop3-login": 50.0, "pop3-stat": 60.0})
    await store.save_lab_steps("s001", {"pop3-login": 40.0, "pop3-stat": 70.0})
    await store.save_lab_steps("s002", {"imap-login": 80.5})
    await store.save_lab_steps("nobody", {"imap-login": 1.0})
    assert await store.lab_steps() == {
        "s001": {"pop3-login": 40.0, "pop3-stat": 60.0},
        "s002": {"imap-login": 80.5},
    }
