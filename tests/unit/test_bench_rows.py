"""bench.cli._measure_row: a row's runs on the servers interleaved, the warm-up not counted,
one server's refusal or failure leaves the other's runs whole, and a row under
``SHORT_MS`` is run ``SHORT_RUNS`` times."""

from __future__ import annotations

import math

from bench.cli import SHORT_MS, SHORT_RUNS, Run, _measure_row
from bench.imap_session import Refused
from bench.measurements import Context, Measurement
from bench.report import Row
from bench.target import Target

LABEL = "a row"


def _targets(*names: str) -> list[Target]:
    return [Target(name, {"imap": 1}, list) for name in names]


def _run() -> Run:
    return Run([Row(LABEL, "ms")], ["hato", "Dovecot"])


def _measured(results: dict[str, list[object]], timed: bool = True) -> tuple[Run, list[str]]:
    """The row measured with 3 repeats on two servers whose runs give ``results`` in turn
    (a value, or an exception to raise); the runs' order, by server name."""
    calls: list[str] = []

    def measure(target: Target, context: Context) -> float:
        calls.append(target.name)
        outcome = results[target.name].pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, float)
        return outcome

    run = _run()
    measurement = Measurement(LABEL, "ms", "imap", measure, timed)
    _measure_row(measurement, _targets("hato", "Dovecot"), Context(10), 3, run)
    return run, calls


def test_runs_alternate_and_the_warm_up_is_left_out() -> None:
    run, calls = _measured(
        {"hato": [100.0, 10.0, 20.0, 90.0], "Dovecot": [100.0, 50.0, 30.0, 40.0]}
    )
    assert calls == ["hato", "Dovecot", "Dovecot", "hato", "hato", "Dovecot", "Dovecot", "hato"]
    assert run.rows[0].values == {"hato": 20.0, "Dovecot": 40.0}


def test_an_untimed_row_runs_once_on_each() -> None:
    run, calls = _measured({"hato": [7.0], "Dovecot": [8.0]}, timed=False)
    assert calls == ["hato", "Dovecot"]
    assert run.rows[0].values == {"hato": 7.0, "Dovecot": 8.0}


def test_a_refusal_ends_that_servers_row_only() -> None:
    refused = Refused("BAD", "Unknown command")
    run, calls = _measured({"hato": [10.0, 10.0, 20.0, 30.0], "Dovecot": [refused]})
    assert calls.count("Dovecot") == 1
    assert calls.count("hato") == 4
    row = run.rows[0]
    assert row.values == {"hato": 20.0, "Dovecot": None}
    assert "Unknown command" in row.refused["Dovecot"]


def test_a_failure_is_nan_for_that_server_only() -> None:
    failed = RuntimeError("broken")
    run, calls = _measured({"hato": [10.0, failed], "Dovecot": [10.0, 40.0, 50.0, 60.0]})
    assert calls.count("hato") == 2
    values = run.rows[0].values
    assert math.isnan(values["hato"] or 0.0)
    assert values["Dovecot"] == 50.0


def test_a_server_without_the_service_is_not_run() -> None:
    calls: list[str] = []
    run = _run()
    targets = [Target("hato", {"imap": 1}, list), Target("Dovecot", {"pop3": 1}, list)]

    def measure(target: Target, context: Context) -> float:
        calls.append(target.name)
        return 10.0

    _measure_row(Measurement(LABEL, "ms", "imap", measure), targets, Context(10), 2, run)
    assert calls == ["hato"] * 3
    assert run.rows[0].values == {"hato": 10.0, "Dovecot": None}


def _runs(first: float, then: float, count: int) -> list[object]:
    return [first] + [then] * count


def test_a_short_row_gets_more_runs_on_every_server() -> None:
    short = SHORT_MS / 2
    results = {"hato": _runs(9.0, short, SHORT_RUNS), "Dovecot": _runs(9.0, short, SHORT_RUNS)}
    run, calls = _measured(results)
    assert calls.count("hato") == calls.count("Dovecot") == SHORT_RUNS + 1
    assert run.rows[0].values == {"hato": short, "Dovecot": short}
    assert results == {"hato": [], "Dovecot": []}


def test_a_row_short_on_one_server_only_keeps_its_runs() -> None:
    run, calls = _measured({"hato": _runs(9.0, 1.0, 3), "Dovecot": _runs(9.0, SHORT_MS * 2, 3)})
    assert len(calls) == 8
    assert run.rows[0].values == {"hato": 1.0, "Dovecot": SHORT_MS * 2}


def test_a_short_row_beside_a_refusal_gets_its_runs() -> None:
    refused = Refused("BAD", "Unknown command")
    run, calls = _measured({"hato": _runs(9.0, 1.0, SHORT_RUNS), "Dovecot": [refused]})
    assert calls.count("hato") == SHORT_RUNS + 1
    assert run.rows[0].values == {"hato": 1.0, "Dovecot": None}
