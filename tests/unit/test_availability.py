"""The store's availability: one log line per change of state, one probe at a time."""

from __future__ import annotations

import logging

import pytest

from hato.store.availability import Availability
from hato.store.base import StoreUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_logged_once_when_it_begins_and_once_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    availability = Availability(probe_interval=0.25, clock=clock)
    caplog.set_level(logging.INFO, logger="hato.store.availability")
    for n in range(50):
        availability.failed(StoreUnavailable(f"refused {n}"))
        clock.now += 0.1
    for _ in range(50):
        availability.worked()
    lines = [(r.levelname, getattr(r, "hato_fields", None)) for r in caplog.records]
    assert lines == [
        ("ERROR", {"state": "unavailable", "cause": "refused 0"}),
        ("INFO", {"state": "available", "seconds_down": "5.0"}),
    ]


def test_while_down_one_call_probes_per_interval_and_the_others_fail_at_once() -> None:
    clock = Clock()
    availability = Availability(probe_interval=0.25, probe_time=3.0, clock=clock)
    availability.admit()  # up: everyone goes through
    down = availability.failed(StoreUnavailable("refused"))
    with pytest.raises(StoreUnavailable) as refused:
        availability.admit()
    assert refused.value is down
    clock.now += 0.25
    availability.admit()  # the probe
    clock.now += 1.0
    with pytest.raises(StoreUnavailable):  # the probe has not answered yet
        availability.admit()
    availability.failed(StoreUnavailable("refused again"))
    clock.now += 0.25
    availability.admit()  # the next probe
    availability.worked()
    assert not availability.down
    availability.admit()
