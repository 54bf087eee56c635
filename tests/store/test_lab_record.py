"""The lab's record on both backends: members' closed sessions with their lines, kept
and pruned by time; the checklist's steps, each at its first completion."""

from __future__ import annotations

import time

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


async def test_a_lab_begun_anew_forgets_those_members_record_only(store: Store) -> None:
    """``hato class reset`` for the next group: the checklist and transcripts of the named
    members go, and each member's ``lab_since`` says when, for a running server."""
    ids = {}
    for name in ("s001", "s002"):
        await make_account(store, name)
        account = await store.get_account(name)
        assert account is not None
        ids[name] = account.id
        await store.set_class_member(account.id, name.upper(), name, "")
        await store.save_lab_steps(name, {"pop3-login": 50.0})
        await store.save_lab_session(_session(f"pop3#{name}", 200.0, account=name))
    await store.begin_lab_anew([ids["s001"]], 1234.5)
    assert await store.lab_steps() == {"s002": {"pop3-login": 50.0}}
    assert [s.account for s in await store.lab_sessions(since=0)] == ["s002"]
    since = {m.account: m.lab_since for m in await store.class_members()}
    assert since == {"s001": 1234.5, "s002": 0.0}


async def test_a_time_kept_shows_the_second_it_showed_live(store: Store) -> None:
    """Kept to the millisecond by cutting, not rounding: a step done 0.4 ms before a second
    ends is not shown a second later once the server restarted."""
    await make_account(store, "s001")
    done = 1_765_100_236.9996
    await store.save_lab_steps("s001", {"imap-logout": done})
    kept = (await store.lab_steps())["s001"]["imap-logout"]
    assert time.gmtime(kept)[:6] == time.gmtime(done)[:6]
    await store.save_lab_session(_session("pop3#1", done))
    (session,) = await store.lab_sessions(since=0)
    assert time.gmtime(session.closed)[:6] == time.gmtime(done)[:6]
