"""The store's backends as the tests use them: SQLite always, PostgreSQL when TEST_DATABASE_URL names a throwaway
database (emptied before each use), and a clock a test turns by hand.

Do not point TEST_DATABASE_URL at a database you keep: every table of the line in it is dropped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from ivr.store.database import Database

TABLES = ("numbers", "rate_counts", "sms_replies", "usage_counts", "call_places", "heartbeats", "revisions",
          "revision_audit", "audio_clips", "audio_entries", "audio_jobs", "staff_accounts", "sign_in_failures",
          "audio_job_failures", "staff_single_sign_on",
          "schema_version")
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def empty_postgres() -> Database:
    """The throwaway PostgreSQL of TEST_DATABASE_URL with every table of the line dropped."""
    database = Database(os.environ["TEST_DATABASE_URL"])
    with database._transaction() as tx:  # not transaction(): that would migrate first
        for table in TABLES:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
    return database


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path: Path) -> Iterator[Database]:
    """A migrated store on each backend: SQLite, and PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        database = empty_postgres()
    database.migrate()
    yield database
    database.close()  # its pool's connections: a CI server allows only so many
