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
from pathlib import Path

import pytest

from tests.e2e.harness import STORE_SERVER_ENV
from tests.pg import Cluster

ROOT = Path(__file__).resolve().parents[2]
MODULES = (
    "test_pop3.py",
    "test_imap.py",
    "test_imap_bad_input.py",
    "test_imap_condstore.py",
    "test_imap_qresync.py",
    "test_imap_esearch.py",
    "test_imap_sort.py",
    "test_imap_thread.py",
    "test_smtp.py",
    "test_submission.py",
    "test_durability.py",
)
#: Sieve at delivery and ManageSieve, in a run of their own (each run has its time limit).
SIEVE_MODULES = ("test_sieve_delivery.py", "test_managesieve.py", "test_cli_sieve.py")
#: The web console's rules pages (scripts, the rules and vacation forms), in a run of their own.
RULES_MODULES = ("test_web_rules.py",)
#: Imports and exports (``hato import``, ``hato export``), in a run of their own.
MIGRATE_MODULES = (
    "test_import_dovecot_users.py",
    "test_import_mbox.py",
    "test_import_maildir.py",
    "test_import_dovecot.py",
)

#: The web console (login, tokens, administration pages, metrics, the JSON API),
#: in a run of their own.
WEB_MODULES = ("test_web_auth.py", "test_web_admin.py", "test_web_api.py")
#: Quota on every delivery path (its store checks hold the account's row), in a run of its own.
QUOTA_MODULES = ("test_quota.py",)
#: SEARCH BODY/TEXT through the full-text index (pg_trgm), and hato index, in a run of their own.
SEARCH_MODULES = ("test_imap_search_decoding.py", "test_cli_index.py")
#: The classroom: hato class, the roster pages and the assignments, in a run of their own.
CLASS_MODULES = ("test_class.py", "test_class_web.py", "test_assignments.py")


@pytest.mark.timeout(400)
def test_protocol_e2e_suites_pass_on_postgresql(pg_cluster: Cluster) -> None:
    _run_on_postgresql(MODULES, pg_cluster)


@pytest.mark.timeout(400)
def test_sieve_e2e_suites_pass_on_postgresql(pg_cluster: Cluster) -> None:
    _run_on_postgresql(SIEVE_MODULES, pg_cluster)


@pytest.mark.timeout(400)
def test_rules_pages_e2e_suite_passes_on_postgresql(pg_cluster: Cluster) -> None:
    _run_on_postgresql(RULES_MODULES, pg_cluster)


@pytest.mark.timeout(400)
def test_migrate_e2e_suites_pass_on_postgresql(pg_cluster: Cluster) -> None:
    _run_on_postgresql(MIGRATE_MODULES, pg_cluster)


@pytest.mark.timeout(400)
def test_web_e2e_suites_pass_on_postgresql(pg_cluster: Cluster) -> None:
    _run_on_postgresql(WEB_MODULES, pg_cluster)


@pytest.mark.timeout(400)
def test_quota_e2e_suite_passes_on_postgresql(pg_cluster: Cluster) -> None:
    _run_on_postgresql(QUOTA_MODULES, pg_cluster)


@pytest.mark.timeout(400)
def test_search_e2e_suites_pass_on_postgresql(pg_cluster: Cluster) -> None:
    _run_on_postgresql(SEARCH_MODULES, pg_cluster)


@pytest.mark.timeout(400)
def test_class_e2e_suites_pass_on_postgresql(pg_cluster: Cluster) -> None:
    _run_on_postgresql(CLASS_MODULES, pg_cluster)


def _run_on_postgresql(modules: tuple[str, ...], pg_cluster: Cluster) -> None:
    env = {**os.environ, STORE_SERVER_ENV: pg_cluster.url()}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"]
    command += [f"tests/e2e/{module}" for module in modules]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=390, check=False
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
