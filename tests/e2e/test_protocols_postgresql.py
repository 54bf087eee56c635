"""POP3, IMAP, SMTP, submission and web console end-to-end tests again, every node on
PostgreSQL.

The modules below run in a pytest of their own with ``HATO_TEST_PG_SERVER`` set,
so each ``HatoProcess`` (and ``read_store``) gets a database of its own on this
session's throwaway cluster instead of the embedded store (tests/e2e/harness.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.harness import STORE_SERVER_ENV
from tests.pg import Cluster

ROOT = Path(__file__).resolve().parents[2]
#: Each run: a pytest of its own over these modules, with its own time limit.
RUNS: dict[str, tuple[str, ...]] = {
    "protocols": (
        "test_pop3.py",
        "test_imap.py",
        "test_imap_bad_input.py",
        "test_imap_condstore.py",
        "test_imap_qresync.py",
        "test_imap_esearch.py",
        "test_imap_sort.py",
        "test_imap_thread.py",
        "test_imap_utf8.py",
        "test_imap_rev2.py",
        "test_imap_objectid.py",
        "test_imap_catenate.py",
        "test_imap_metadata.py",
        "test_imap_notify.py",
        "test_imap_fanout.py",
        "test_imap_clients.py",
        "test_smtp.py",
        "test_submission.py",
        "test_durability.py",
    ),
    # Sieve at delivery and ManageSieve.
    "sieve": ("test_sieve_delivery.py", "test_managesieve.py", "test_cli_sieve.py"),
    # The web console's rules pages (scripts, the rules and vacation forms).
    "rules": ("test_web_rules.py",),
    # Imports and exports (hato import, hato export).
    "migrate": (
        "test_import_dovecot_users.py",
        "test_import_mbox.py",
        "test_import_maildir.py",
        "test_import_dovecot.py",
    ),
    # The web console: login, tokens, administration pages, metrics, the JSON API.
    "web": ("test_web_auth.py", "test_web_admin.py", "test_web_api.py"),
    # URLAUTH's keys and the messages they open to URLFETCH, CATENATE and BURL.
    "urlauth": ("test_imap_urlauth.py", "test_submission_burl.py"),
    # Quota on every delivery path (its store checks hold the account's row).
    "quota": ("test_quota.py",),
    # SEARCH BODY/TEXT through the full-text index (pg_trgm), and hato index.
    "search": ("test_imap_search_decoding.py", "test_cli_index.py"),
    # The classroom: hato class, the roster pages and the assignments.
    "class": ("test_class.py", "test_class_web.py", "test_assignments.py"),
}
#: Seconds one run may take: several times what it takes on a quiet 2-core machine
#: (the longest, web, about 200 s), so that a loaded machine does not fail it.
RUN_LIMIT = 900
#: Runs at once: each is mostly a hato process waiting on PostgreSQL and a client
#: waiting on hato, so two share this 2-core machine's time well.
AT_ONCE = 2


def _run(run: str, server: str, basetemp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, STORE_SERVER_ENV: server}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"]
    command += [f"--basetemp={basetemp / run}"]  # runs at once never share a directory
    command += [f"tests/e2e/{module}" for module in RUNS[run]]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_LIMIT,
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def started(
    request: pytest.FixtureRequest, pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """The selected runs started, `AT_ONCE` at a time, the largest first; each test waits
    for its own."""
    basetemp = tmp_path_factory.mktemp("postgresql-runs")
    selected = {
        item.callspec.params["run"]
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.originalname == _TEST
    }
    by_size = sorted(selected, key=lambda run: -len(RUNS[run]))
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        yield {run: pool.submit(_run, run, pg_cluster.url(), basetemp) for run in by_size}


_TEST = "test_e2e_suites_pass_on_postgresql"


@pytest.mark.timeout(len(RUNS) * RUN_LIMIT)
@pytest.mark.parametrize("run", sorted(RUNS))
def test_e2e_suites_pass_on_postgresql(
    run: str, started: dict[str, Future[subprocess.CompletedProcess[str]]]
) -> None:
    done = started[run].result()
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
