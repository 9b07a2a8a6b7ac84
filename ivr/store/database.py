"""A tiny connection layer: the same SQL runs on SQLite (stdlib) and PostgreSQL (psycopg 3).

SQL in this package is written once, with `?` placeholders and portable statements
(INSERT ... ON CONFLICT ... DO UPDATE works on both); only this module knows the difference.
A connection is opened per transaction: requests never share one, so any thread or instance can run.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from ivr.store.migrations import MIGRATIONS

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_MIGRATION_LOCK = 7_052_024  # any constant: PostgreSQL advisory lock id, so two instances never migrate at once


class Transaction:
    """Runs statements inside one open transaction."""

    def __init__(self, cursor: Any, postgres: bool):
        self._cursor = cursor
        self._postgres = postgres

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        if self._postgres:
            sql = sql.replace("%", "%%").replace("?", "%s")
        self._cursor.execute(sql, tuple(params))
        return list(self._cursor.fetchall()) if self._cursor.description else []

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None


class Database:
    """A database named by URL: `sqlite:///path/to/file.db` or `postgresql://user:pass@host/db`."""

    def __init__(self, url: str):
        self.url = url
        self.postgres = url.startswith(POSTGRES_PREFIXES)
        if not self.postgres and not url.startswith(SQLITE_PREFIX):
            raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql://")
        if not self.postgres:
            self._path = Path(url[len(SQLITE_PREFIX):])
            self._path.parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if self.postgres:
            import psycopg  # only needed, and only imported, when PostgreSQL is configured

            with psycopg.connect(self.url, connect_timeout=5) as connection, connection.cursor() as cursor:
                yield Transaction(cursor, postgres=True)
            return
        connection = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrade
            yield Transaction(connection.cursor(), postgres=False)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    def migrate(self) -> int:
        """Bring the schema up to date (idempotent, safe with several instances); return its version."""
        if not self.postgres:
            with closing(sqlite3.connect(self._path)) as connection:
                connection.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
        with self.transaction() as tx:
            if self.postgres:
                tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = tx.one("SELECT MAX(version) FROM schema_version")
            current = row[0] if row and row[0] is not None else 0
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version > current:
                    for statement in statements:
                        tx.execute(statement)
                    tx.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            return max(current, len(MIGRATIONS))
