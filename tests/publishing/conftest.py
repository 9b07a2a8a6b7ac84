"""Fixtures of the publishing tests: each test on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.

`app` here is the line on a copy of the words (the conftest.py `words` fixture) and the test's database, so
a staff edit, import and publish act on what the app serves; it overrides the top conftest's `app`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.databases import BACKENDS, empty_postgres
from tests.publishing.revising import line_app


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'line.db'}" if request.param == "sqlite" else empty_postgres().url


@pytest.fixture
def app(tmp_path: Path, database_url: str, words: Path) -> Flask:
    return line_app(tmp_path, database_url, words)
