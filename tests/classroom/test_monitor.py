"""The class monitor (hato/classroom/monitor.py) fed by real ``SessionTrace``s: which
sessions it keeps, the steps their answers complete, the refused commands, the bounds."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import pytest

from hato.classroom.hints import hint_for, load_hints
from hato.classroom.monitor import ClassMonitor, LineNews, Resync, SessionNews
from hato.classroom.recorder import LabRecorder
from hato.session.trace import SessionTrace, Tracer
from hato.store import Credentials, open_store


def _class(**options: float) -> tuple[ClassMonitor, Tracer]:
    monitor = ClassMonitor(**options)  # type: ignore[arg-type]
    monitor.set_members([("s001", ["s001@example.org", "taro@school.example"])])
    return monitor, Tracer(log=False, observer=monitor)


def _say(trace: SessionTrace, transcript: str) -> None:
    for line in transcript.strip().splitlines():
        direction, _, text = line.strip().partition(": ")
        if direction == "C":
            trace.client(text)
        else:
            trace.server(text)


def test_a_members_pop3_session_is_kept_with_its_steps_and_refusals() -> None:
    monitor, tracer = _class()
    trace = tracer.session("pop3", "192.0.2.7")
    _say(trace, "S: +OK hato ready.\nC: USER s001")
    trace.logged_in("s001")  # as the POP3 adapter says it, before PASS's answer
    _say(trace, "S: +OK\nC: PASS [REDACTED]\nS: +OK Logged in.\nC: STAT\nS: +OK 2 300")
    _say(trace, "C: RETR 9\nS: -ERR There's no message 9.\nC: RERT 1\nS: -ERR Unknown command")
    (session,) = monitor.sessions_of("s001")
    assert session.protocol == "pop3" and session.last_command == "RERT 1"
    assert set(monitor.done()["s001"]) == {"pop3-login", "pop3-stat"}  # not RETR: refused
    refused = [shown.refused for shown in session.lines if shown.refused is not None]
    assert [exchange.command for exchange in refused] == ["RETR", "RERT"]
    hints = load_hints()
    assert all(hint_for(hints, "pop3", exchange, "ja") for exchange in refused[1:])
    trace.closed()
    assert monitor.open_sessions() == {}
    assert monitor.sessions_of("s001")[0].closed_at is not None


def test_sessions_of_others_are_let_go_and_cost_no_more_tracing() -> None:
    monitor, tracer = _class()
    stranger = tracer.session("imap", "192.0.2.8")
    _say(stranger, "S: * OK ready\nC: a LOGIN bob [REDACTED]")
    stranger.logged_in("bob")  # an account, not the class's
    assert not stranger.enabled  # the IMAP adapter skips its trace work from now on
    _say(stranger, "S: a OK Logged in\nC: b SELECT INBOX")
    assert monitor.open_sessions() == {} and monitor.sessions_of("bob") == []


def test_port_25_is_the_students_by_its_sender() -> None:
    monitor, tracer = _class()
    theirs = tracer.session("smtp", "192.0.2.9")
    _say(theirs, "S: 220 hato\nC: HELO pc\nS: 250 hato\nC: MAIL FROM:<Taro@School.example>")
    _say(theirs, "S: 250 OK\nC: RCPT TO:<s001@example.org>\nS: 250 OK\nC: DATA\nS: 354 go")
    _say(theirs, "C: [message of 120 octets]\nC: .\nS: 250 OK queued as X")
    assert monitor.open_sessions()["s001"][0].account == "s001"
    assert "smtp-by-hand" in monitor.done()["s001"]
    other = tracer.session("smtp", "198.51.100.1")
    _say(other, "S: 220 hato\nC: EHLO mx\nS: 250 hato\nC: MAIL FROM:<list@example.net>")
    assert not other.enabled and len(monitor.open_sessions()["s001"]) == 1


def test_tls_sessions_count_for_the_tls_steps() -> None:
    monitor, tracer = _class()
    trace = tracer.session("imaps", "192.0.2.7", tls=True)
    _say(trace, "C: a LOGIN s001 [REDACTED]")
    trace.logged_in("s001")
    _say(trace, "S: a OK Logged in")
    assert {"imap-login", "imap-tls"} <= set(monitor.done()["s001"])


def test_a_session_keeps_its_last_lines_and_closed_ones_go_after_their_time() -> None:
    now = [1_000_000.0]
    monitor = ClassMonitor(session_lines=5, keep_seconds=3600, clock=lambda: now[0])
    monitor.set_members([("s001", [])])
    trace = Tracer(log=False, observer=monitor).session("pop3", "192.0.2.7")
    trace.logged_in("s001")
    for number in range(100):
        trace.client(f"NOOP {number}")
    (session,) = monitor.sessions_of("s001")
    assert [shown.line.text for shown in session.lines] == [f"NOOP {n}" for n in range(95, 100)]
    trace.closed()
    assert len(monitor.sessions_of("s001")) == 1
    now[0] += 3601
    assert monitor.sessions_of("s001") == []


async def test_a_viewer_that_falls_behind_is_told_to_load_again() -> None:
    monitor, tracer = _class()
    queue = monitor.subscribe("s001")
    trace = tracer.session("pop3", "192.0.2.7")
    trace.logged_in("s001")
    assert isinstance(queue.get_nowait(), SessionNews)
    trace.client("NOOP")
    assert isinstance(queue.get_nowait(), LineNews)
    for number in range(5000):  # nobody reads: the session never waits
        trace.client(f"NOOP {number}")
    assert queue.qsize() <= 1000
    news = [queue.get_nowait() for _ in range(queue.qsize())]
    assert any(isinstance(item, Resync) for item in news)
    monitor.unsubscribe(queue)
    trace.client("NOOP")
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_the_record_survives_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path / "lab.sqlite3")
    try:
        await store.create_account("s001", Credentials(password_hash="x"))
        monitor, tracer = _class()
        trace = tracer.session("pop3", "192.0.2.7")
        trace.logged_in("s001")
        _say(trace, "C: STAT\nS: +OK 0 0\nC: RETR 1\nS: -ERR no such message")
        trace.closed()
        await LabRecorder(store, monitor, keep_seconds=3600).save()
        assert monitor.unsaved() == ([], {})  # all of it written
        again, _ = _class()  # the next start of the server
        await LabRecorder(store, again, keep_seconds=3600).load()

        def ms(done: dict[str, dict[str, float]], kept: bool) -> dict[str, dict[str, int]]:
            """Milliseconds: the store keeps them cut (a kept time is k / 1000 exactly, to
            the nearest float; a live one is cut as the store cut it)."""
            to_ms = round if kept else math.floor
            return {a: {s: to_ms(t * 1000) for s, t in d.items()} for a, d in done.items()}

        assert ms(again.done(), kept=True) == ms(monitor.done(), kept=False)
        assert "pop3-stat" in again.done()["s001"]
        (kept,) = again.sessions_of("s001")
        first = monitor.sessions_of("s001")[0]
        assert [s.line.text for s in kept.lines] == [s.line.text for s in first.lines]
        assert [s.refused.command for s in kept.lines if s.refused] == ["RETR"]  # read again
        await LabRecorder(store, again, keep_seconds=0).load()  # past its time: pruned
        assert await store.lab_sessions(since=0) == []
    finally:
        await store.close()


async def test_a_lab_begun_anew_forgets_the_steps_and_sessions_before_it() -> None:
    monitor = ClassMonitor()
    monitor.set_members([("s001", [])])
    tracer = Tracer(log=False, observer=monitor)
    trace = tracer.session("pop3", "192.0.2.7")
    _say(trace, "C: USER s001")
    trace.logged_in("s001")
    _say(trace, "S: +OK\nC: PASS [REDACTED]\nS: +OK Logged in.")
    trace.closed()
    assert "pop3-login" in monitor.done()["s001"] and monitor.sessions_of("s001")
    queue = monitor.subscribe("s001")
    await asyncio.sleep(0.01)
    since = time.time()
    monitor.begin_anew("s001", since)  # `hato class reset`, read with the roster
    assert monitor.done()["s001"] == {} and monitor.sessions_of("s001") == []
    assert isinstance(queue.get_nowait(), Resync)  # its page loads again
    assert monitor.unsaved() == ([], {"s001": {}})  # nothing old is saved again
    later = tracer.session("pop3", "192.0.2.7")  # the next group's student
    _say(later, "C: USER s001")
    later.logged_in("s001")
    _say(later, "S: +OK\nC: PASS [REDACTED]\nS: +OK Logged in.")
    monitor.begin_anew("s001", since)  # the same reset read again: nothing more
    assert "pop3-login" in monitor.done()["s001"] and monitor.sessions_of("s001")
