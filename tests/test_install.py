"""What an install needs, and says when it lacks it: the optional PostgreSQL driver, the lock files."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from ivr.config import ConfigurationError
from ivr.store.database import Database
from tests.app_factory import DATABASE_DOWN_URL, build_app
from tests.shipped import PROJECT


def test_postgresql_without_its_driver_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if `pip install -e .` left the extra out
    with pytest.raises(ConfigurationError, match=r"pip install -e '\.\[postgres\]'"):
        Database(DATABASE_DOWN_URL)
    with pytest.raises(ConfigurationError, match="psycopg"):  # app.py turns this into one line, not a traceback
        build_app(tmp_path, DATABASE_URL=DATABASE_DOWN_URL)
    Database(f"sqlite:///{tmp_path / 'line.db'}")  # SQLite needs no extra


def _pinned(lock: Path) -> set[str]:
    """Package names pinned with == and hashes in a lock file written by `uv pip compile --generate-hashes`."""
    text = lock.read_text()
    assert "--hash=sha256:" in text
    return {re.sub(r"[-_.]+", "-", match.lower()) for match in re.findall(r"^([A-Za-z0-9_.-]+)==", text, re.MULTILINE)}


def _names(requirements: list[str]) -> set[str]:
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement).group().lower())
            for requirement in requirements if not requirement.startswith("ot-info-line")}


def test_the_lock_files_pin_every_dependency_of_pyproject() -> None:
    """Adding a dependency without refreshing the locks (README, Dependencies) fails here, not in production."""
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    runtime = _names(project["dependencies"] + extras["postgres"])
    assert "psycopg" not in _names(project["dependencies"])  # a SQLite-only install does without it
    assert runtime <= _pinned(PROJECT / "requirements" / "lock.txt")
    assert runtime | _names(extras["test"]) <= _pinned(PROJECT / "requirements" / "test-lock.txt")
