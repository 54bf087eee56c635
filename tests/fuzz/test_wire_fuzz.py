"""Fuzzing the protocol parsers over the wire against a running hato.

Each listener (IMAP, POP3, SMTP, LMTP, submission on 587 and 465) gets fuzz
cases built by hypothesis from valid commands per state (tests/fuzz/corpus.py),
mutated, and random bytes; tests/fuzz/runner.py says what counts as a failure.

In ``make test`` the run is short and the same every time (``derandomize``):
``HATO_FUZZ_EXAMPLES`` cases per listener.  ``make fuzz`` sets
``HATO_FUZZ_SECONDS`` (shared by the listeners) and runs rounds of cases with
a random seed it prints; ``HATO_FUZZ_SEED`` repeats a run.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, seed, settings

from tests.fuzz.mutate import Case, cases
from tests.fuzz.runner import DRIVERS, Driver, FuzzServer

EXAMPLES = int(os.environ.get("HATO_FUZZ_EXAMPLES", "20"))
SECONDS = float(os.environ.get("HATO_FUZZ_SECONDS", "0"))
ROUND = 25  # cases per seed in a timed run (a round is finished past the budget)
PER_DRIVER = SECONDS / len(DRIVERS)

pytestmark = pytest.mark.timeout(max(240, PER_DRIVER * 2 + 600))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    fuzzed = FuzzServer(tmp_path_factory.mktemp("fuzz") / "data")
    yield fuzzed
    assert fuzzed.stop() == 0


def _fuzzer(server: FuzzServer, driver: Driver, **options: object) -> Callable[[], None]:
    @settings(
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
        **options,  # type: ignore[arg-type]
    )
    @given(case=cases(driver.corpus))
    def fuzz(case: Case) -> None:
        server.run(driver, case)

    return fuzz  # type: ignore[no-any-return]


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda driver: driver.name)
def test_wire_fuzz(server: FuzzServer, driver: Driver) -> None:
    if not SECONDS:
        _fuzzer(server, driver, max_examples=EXAMPLES, derandomize=True, database=None)()
        return
    first = int(os.environ.get("HATO_FUZZ_SEED") or random.randrange(2**32))
    print(f"\nhato fuzz: {driver.name}: seed {first} (HATO_FUZZ_SEED={first} repeats it)")
    started, before, rounds = time.monotonic(), server.cases, 0
    while time.monotonic() - started < PER_DRIVER:
        seed(first + rounds)(_fuzzer(server, driver, max_examples=ROUND))()
        rounds += 1
    took = time.monotonic() - started
    print(f"hato fuzz: {driver.name}: {server.cases - before} cases in {took:.0f} s, clean")
