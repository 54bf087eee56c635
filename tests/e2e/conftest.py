"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.e2e.browser import headless_browser
from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw, logged_in


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the module's browser saves the files it downloads."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[WebDriver]:
    """One headless chromium per test module (see tests/e2e/browser.py)."""
    with headless_browser(downloads) as driver:
        yield driver


@pytest.fixture
def alice(server: HatoProcess) -> Iterator[Raw]:
    """An IMAP session of alice (password alice-pw) on the module's ``server``."""
    raw = logged_in(server.ports["imap"], "alice")
    yield raw
    raw.close()
