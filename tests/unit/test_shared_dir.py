"""tests/shared_dir.py: where the conformance data is found, and what a test does without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_dir import REPOSITORY, shared_dir, shared_path


def test_default_is_beside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HATO_SHARED", raising=False)
    assert shared_dir().resolve() == REPOSITORY.parent / "shared"
    monkeypatch.setenv("HATO_SHARED", "")
    assert shared_dir().resolve() == REPOSITORY.parent / "shared"


def test_hato_shared_names_the_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "session.txt").write_text("S: * OK\n")
    monkeypatch.setenv("HATO_SHARED", str(tmp_path))
    assert shared_path("reference/session.txt").read_text() == "S: * OK\n"
    monkeypatch.setenv("HATO_SHARED", "tests/unit")  # relative: to the repository root
    assert shared_path("test_shared_dir.py") == Path(__file__).resolve()


def test_missing_data_skips_and_names_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HATO_SHARED", str(tmp_path / "nowhere"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        shared_path("imaptest-tests/mutf7")
    assert str(tmp_path / "nowhere" / "imaptest-tests" / "mutf7") in str(skipped.value)


def test_missing_data_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HATO_SHARED", str(tmp_path / "nowhere"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        shared_path("imaptest-tests")
    assert str(tmp_path / "nowhere" / "imaptest-tests") in str(failed.value)
    assert "CI=true" in str(failed.value)
