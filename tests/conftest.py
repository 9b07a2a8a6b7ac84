"""Fixtures every test may ask for: an app per test, a copy of the words to break, a fake Twilio REST API.

Plain helpers live in modules of their own (tests/twilio_requests.py, tests/app_factory.py, tests/twilio_fakes.py,
tests/shipped.py), imported by name; this file holds fixtures and plugins only, as pytest expects.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.content.model import Line
from tests.app_factory import DATABASE_DOWN_URL, build_app
from tests.shipped import PROJECT, shipped_line
from tests.twilio_fakes import FakeTwilioApi

# Fixtures kept next to what they serve: a throwaway PostgreSQL, the crawled call tree with its URLs, the stores,
# the console's clients, the browser and a hospital's sign-in provider.
pytest_plugins = ["tests.pg_server", "tests.webhooks", "tests.databases", "tests.console_client", "tests.browser",
                  "tests.identity_provider"]


@pytest.fixture(scope="session")
def line() -> Line:
    """The line's real content and prompts, loaded once per run: tests only read it."""
    return shipped_line()


@pytest.fixture
def words(tmp_path: Path) -> Path:
    """A copy of content/ and prompts/ that a test may break or edit, in a folder of its own: what else the test
    writes to tmp_path (a database, an export, audio) never lands among the staff files."""
    root = tmp_path / "words"
    shutil.copytree(PROJECT / "content", root / "content")
    shutil.copytree(PROJECT / "prompts", root / "prompts")
    return root


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return build_app(tmp_path)


@pytest.fixture
def app_without_database(tmp_path: Path) -> Flask:
    """The line started while its database is down (and staying down)."""
    return build_app(tmp_path, DATABASE_URL=DATABASE_DOWN_URL)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilioApi]:
    api = FakeTwilioApi()
    yield api
    api.close()
