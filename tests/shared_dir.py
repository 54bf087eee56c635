"""Where the conformance data lives: imaptest's scripts and Dovecot's session transcript.

They are not ours to ship, so they are kept in a folder beside the repository: the
environment variable ``HATO_SHARED`` names it, otherwise ``../shared`` from the repository
root.  A test that needs a missing file is skipped, and says which path it looked for;
under ``CI=true`` the same test fails instead, so a CI run never passes by skipping the
conformance tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``HATO_SHARED`` (relative to the repository root when relative) if set and not empty,
    else ``../shared``."""
    return REPOSITORY / (os.environ.get("HATO_SHARED") or "../shared")


def shared_path(relative: str) -> Path:
    """The file or folder ``relative`` in the shared folder, which must exist.

    Skips the calling test (fails it under ``CI=true``) when it does not; call it from a
    test or a fixture, never at import time, so a module without its data still collects.
    """
    path = (shared_dir() / relative).resolve()
    if not path.exists():
        missing = f"conformance data missing: {path} (set HATO_SHARED to the shared folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; CI=true requires it", pytrace=False)
        pytest.skip(missing)
    return path
