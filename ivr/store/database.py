"""A tiny connection layer: the same SQL runs on SQLite (stdlib) and PostgreSQL (psycopg 3).

SQL in this package is written once, with `?` placeholders and portable statements
(INSERT ... ON CONFLICT ... DO UPDATE works on both); only this module knows the difference.
A connection is opened per transaction: requests never share one, so any thread or instance can run.
A database that cannot be reached, or stays locked, raises StoreUnavailable within a few seconds, so
callers of the store can degrade (the voice line never needs it; texting answers without memory).
"""

from __future__ import annotations

import importlib.util
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from ivr.config import ConfigurationError
from ivr.store.migrations import MIGRATIONS

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_MIGRATION_LOCK = 7_052_024  # any constant: PostgreSQL advisory lock id, so two instances never migrate at once
# Twilio waits 15 s for a webhook; a store that has not answered in about 2 s is treated as down.
WAIT_SECONDS = 2
_POSTGRES_OPTIONS = f"-c lock_timeout={WAIT_SECONDS * 1000} -c statement_timeout={WAIT_SECONDS * 2000}"


class StoreUnavailable(RuntimeError):
    """The database cannot be reached, is locked for too long, or refused the schema."""


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
        if self.postgres and importlib.util.find_spec("psycopg") is None:  # an optional extra: say how to add it
            raise ConfigurationError("DATABASE_URL names a PostgreSQL database, but PostgreSQL's driver (psycopg) is "
                                     "not installed: run `.venv/bin/pip install -e '.[postgres]'`")
        self.schema_ready = False
        if not self.postgres:
            self._path = Path(url[len(SQLITE_PREFIX):])
            self._path.parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction: committed when the block ends, rolled back if it raises.

        The schema is brought up to date first if start-up could not (the database was down then).
        """
        if not self.schema_ready:
            self.migrate()
        with self._unavailable_as_error(), self._transaction() as tx:
            yield tx

    def ping(self) -> None:
        """Return if the database answers a query, raise StoreUnavailable if not (for /healthz)."""
        with self.transaction() as tx:
            tx.execute("SELECT 1")

    @contextmanager
    def _unavailable_as_error(self) -> Iterator[None]:
        """Connection failures and lock timeouts become StoreUnavailable; a bug in SQL stays a bug."""
        unavailable: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
        if self.postgres:
            import psycopg

            unavailable = (psycopg.OperationalError,)
        try:
            yield
        except unavailable as error:
            raise StoreUnavailable(f"{type(error).__name__}: {error}") from error

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        if self.postgres:
            import psycopg  # only needed, and only imported, when PostgreSQL is configured

            with psycopg.connect(self.url, connect_timeout=WAIT_SECONDS, options=_POSTGRES_OPTIONS) as connection, \
                    connection.cursor() as cursor:
                yield Transaction(cursor, postgres=True)
            return
        connection = sqlite3.connect(self._path, timeout=WAIT_SECONDS, isolation_level=None)
        try:
            connection.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe from corruption, one fsync less
            connection.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrade
            yield Transaction(connection.cursor(), postgres=False)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    def migrate(self) -> int:
        """Bring the schema up to date (idempotent, safe with several instances); return its version."""
        with self._unavailable_as_error():
            version = self._migrate()
        self.schema_ready = True
        return version

    def _migrate(self) -> int:
        if not self.postgres:
            with closing(sqlite3.connect(self._path, timeout=WAIT_SECONDS)) as connection:
                connection.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
        with self._transaction() as tx:
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
