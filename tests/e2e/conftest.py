"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.e2e.browser import headless_browser


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless chromium per test module (see tests/e2e/browser.py)."""
    with headless_browser() as driver:
        yield driver
