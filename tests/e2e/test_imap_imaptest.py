"""Dovecot's imaptest scripted tests against `hato serve`.

The scripts (dovecot/imaptest's src/tests) are not part of this repository: they are
read from `imaptest-tests` in the shared folder beside the checkout (tests/shared_dir.py),
and the test is skipped without them.

Prints `groups passed/total` and `commands failed/total` for the scripts hato's
capabilities admit (run pytest with -s to see the table).  Every one of the
31 base scripts (no capabilities header) must pass, and the extension
scripts listed in EXTENSIONS; and all of them again over COMPRESS=DEFLATE (RFC 4978),
every connection compressed once logged in (imaptest has no script of its own for it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import HatoProcess
from tests.imap.imaptest_exec import Runner
from tests.imap.imaptest_run import Connection, Result
from tests.imap.imaptest_script import parse_script
from tests.shared_dir import shared_path

SKIP = {"FORMAT.md", "AUTHORS", "COPYING.MIT"}
BASE = {
    "append", "atoms", "close", "copy", "expunge", "expunge2", "fetch", "fetch-body",
    "fetch-body-message-rfc822", "fetch-body-message-rfc822-mime", "fetch-body-message-rfc822-x2",
    "fetch-body-mime", "fetch-bodystructure", "fetch-envelope", "list", "logout", "mutf7", "nil",
    "pipeline", "search-addresses", "search-body", "search-date", "search-flags", "search-header",
    "search-sets", "search-size", "select", "store", "subscribe", "uidvalidity",
    "uidvalidity-rename",
}  # fmt: skip
# extension scripts that must pass too: every one whose capabilities hato advertises
# (RFC 3501's and the extensions'): all of imaptest's scripts.
EXTENSIONS = {
    "id", "move", "uidplus", "multiappend", "listext", "esearch", "esearch-condstore", "esort",
    "search-context-update", "search-context-update2", "search-context-update3",
    "search-partial", "sort-addresses", "sort-arrival", "sort-date", "sort-display-from",
    "sort-display-to", "sort-partial", "sort-size", "sort-subject", "thread",
    "thread-orderedsubject", "thread-orderedsubject2", "thread2", "thread3", "thread4",
    "thread5", "thread6", "thread7", "thread8", "append-binary", "fetch-binary-mime",
    "fetch-binary-mime-base64", "fetch-binary-mime-qp", "catenate", "catenate-multiappend",
    "notify",
    "urlauth", "urlauth2", "urlauth-binary",
}  # fmt: skip
PASSING = BASE | EXTENSIONS


def scripts() -> list[Path]:
    """imaptest's scripts (the test skips without the shared folder)."""
    return sorted(
        path
        for path in shared_path("imaptest-tests").iterdir()
        if path.is_file() and path.suffix != ".mbox" and path.name not in SKIP
    )


def _run_all(
    tmp_path_factory: pytest.TempPathFactory, paths: list[Path], compress: bool
) -> dict[str, Result]:
    data = tmp_path_factory.mktemp("imaptest") / "data"
    process = HatoProcess(data, services=("imap",))
    process.add_user("tester", "tester-pw")
    process.add_user("tester2", "tester2-pw")  # urlauth2's second connection
    process.start()
    try:
        port = process.ports["imap"]
        probe = Connection(port, 0)
        probe.run('LOGIN "tester" "tester-pw"')
        capabilities = set(probe.run("CAPABILITY")[0][0].upper().split()[2:])
        probe.close()
        runner = Runner(port, "tester", "tester-pw", compress, ("tester2", "tester2-pw"))
        return {path.name: runner.run(parse_script(path), capabilities) for path in paths}
    finally:
        assert process.stop() == 0


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    found = _run_all(tmp_path_factory, scripts(), compress=False)
    _report(found)
    return found


def test_every_passing_script_passes_over_compress(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    paths = [path for path in scripts() if path.name in PASSING]
    found = _run_all(tmp_path_factory, paths, compress=True)
    failed = {name: r.failures for name, r in found.items() if r.passed != r.groups or r.skipped}
    assert len(found) == len(PASSING)
    assert not failed


def _report(found: dict[str, Result]) -> None:
    ran = [r for r in found.values() if not r.skipped]
    groups = sum(r.groups for r in ran)
    passed = sum(r.passed for r in ran)
    commands = sum(r.commands for r in ran)
    failed = sum(r.failed_commands for r in ran)
    for result in ran:
        print(f"imaptest {result.name}: {result.passed}/{result.groups} groups")
    print(f"imaptest: {len(ran)} scripts run, {len(found) - len(ran)} skipped (capabilities)")
    print(f"imaptest: groups passed {passed}/{groups}, commands failed {failed}/{commands}")


@pytest.mark.parametrize("name", sorted(PASSING))
def test_script_passes(results: dict[str, Result], name: str) -> None:
    result = results[name]
    assert not result.skipped, result.skipped
    assert result.passed == result.groups, result.failures


def test_only_unadvertised_scripts_are_skipped(results: dict[str, Result]) -> None:
    skipped = {name for name, result in results.items() if result.skipped}
    assert skipped.isdisjoint(PASSING)
    assert skipped == set(results) - PASSING


def test_every_base_script_runs(results: dict[str, Result]) -> None:
    base = [
        r
        for r in results.values()
        if not parse_script(shared_path(f"imaptest-tests/{r.name}")).capabilities
    ]
    assert len(base) == 31
    assert all(not r.skipped for r in base)
    assert {r.name for r in base} == BASE
