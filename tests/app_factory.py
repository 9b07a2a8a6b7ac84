"""The line's app as the tests build it: the shipped words, a SQLite file in the test's folder, Twilio's test
credentials; any setting can be overridden."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ivr import create_app
from tests.shipped import PROJECT
from tests.twilio_requests import TEST_BASE, TEST_TOKEN

# PostgreSQL on a port nothing listens on: every connection is refused at once, as when the server is down.
DATABASE_DOWN_URL = "postgresql://otline@127.0.0.1:9/otline"


def build_app(tmp_path: Path, **overrides: str) -> Flask:
    environ = {
        "TWILIO_AUTH_TOKEN": TEST_TOKEN,
        "PUBLIC_BASE_URL": TEST_BASE,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'line.db'}",
        "NUMBER_HASH_SECRET": "test-number-hash-secret",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "CONTENT_DIR": str(PROJECT / "content"),
        "PROMPTS_DIR": str(PROJECT / "prompts"),
        "REVISION_POLL_SECONDS": "0",  # no polling thread in every test's app; tests of publishing turn it on
    }
    environ.update(overrides)
    app = create_app({name: value for name, value in environ.items() if value is not None})
    app.testing = True
    return app
