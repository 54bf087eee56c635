"""Fixtures of the IMAP tests: a fresh SQLite store for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hato.store import Store, open_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """An empty store in the test's own directory, closed after it."""
    opened = open_store(tmp_path / "imap.sqlite3")
    yield opened
    await opened.close()
