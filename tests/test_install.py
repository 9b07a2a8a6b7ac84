"""What an install needs, and says when it lacks it: optional PostgreSQL driver, the lock file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ivr.config import ConfigurationError
from ivr.store.database import Database
from tests.conftest import DATABASE_DOWN_URL, build_app


def test_postgresql_without_its_driver_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if `pip install -e .` left the extra out
    with pytest.raises(ConfigurationError, match=r"pip install -e '\.\[postgres\]'"):
        Database(DATABASE_DOWN_URL)
    with pytest.raises(ConfigurationError, match="psycopg"):  # app.py turns this into one line, not a traceback
        build_app(tmp_path, DATABASE_URL=DATABASE_DOWN_URL)
    Database(f"sqlite:///{tmp_path / 'line.db'}")  # SQLite needs no extra
