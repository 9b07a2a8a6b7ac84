"""A tiny connection layer: the same SQL runs on SQLite (stdlib) and PostgreSQL (psycopg 3).

SQL in this package is written once, with `?` placeholders and portable statements
(INSERT ... ON CONFLICT ... DO UPDATE works on both); only this module knows the difference.

Connections live long: a connection (and its PRAGMAs) per store call showed in every profile of a request.
SQLite: one connection per thread, its PRAGMAs set once, reopened when the file is replaced or deleted.
PostgreSQL: a psycopg_pool pool per worker process, at most DATABASE_POOL_MAX connections (so an instance
holds at most workers x DATABASE_POOL_MAX); a broken connection is discarded and replaced by the pool.

Every database fault becomes StoreUnavailable with a `kind` (`fault_kind` is the one place that decides),
so callers degrade instead of failing: the voice line never needs the store, texting answers without
memory. A missing schema is re-created when it is next seen. After BREAKER_FAILURES slow failures in a row
the store is not tried for BREAKER_SECONDS, so a hung server costs no request more than a moment.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from ivr.config import DEFAULT_DATABASE_POOL_MAX, ConfigurationError
from ivr.store.migrations import MIGRATIONS, rerunnable

log = logging.getLogger(__name__)
SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_MIGRATION_LOCK = 7_052_024  # any constant: PostgreSQL advisory lock id, so two instances never migrate at once
# Twilio waits 15 s for a webhook; a store that has not answered in about 2 s is treated as down.
WAIT_SECONDS = 2
_POSTGRES_OPTIONS = f"-c lock_timeout={WAIT_SECONDS * 1000} -c statement_timeout={WAIT_SECONDS * 2000}"
BREAKER_FAILURES = 3
BREAKER_SECONDS = 5.0
SLOW_FAILURE_SECONDS = 0.05  # a failure quicker than this costs a caller nothing, so it does not open the breaker

# The kinds of fault, as /healthz and the logs name them.
CONNECTION, OPERATIONAL, INTEGRITY = "connection", "operational", "integrity"
CORRUPTION, READ_ONLY, MISSING_SCHEMA = "corruption", "read-only", "missing-schema"
# Faults only a database that answered can give: slow only when this machine is busy, never a sign of a hung store.
_ANSWERS = frozenset({READ_ONLY, INTEGRITY, MISSING_SCHEMA, CORRUPTION})
_SQLITE_KINDS = {
    "SQLITE_CANTOPEN": CONNECTION, "SQLITE_BUSY": OPERATIONAL, "SQLITE_LOCKED": OPERATIONAL,
    "SQLITE_IOERR": OPERATIONAL, "SQLITE_FULL": OPERATIONAL, "SQLITE_READONLY": READ_ONLY,
    "SQLITE_CORRUPT": CORRUPTION, "SQLITE_NOTADB": CORRUPTION, "SQLITE_CONSTRAINT": INTEGRITY,
}


class StoreUnavailable(RuntimeError):
    """The database cannot serve this call now; `kind` says why (for /healthz and the logs)."""

    def __init__(self, message: str, kind: str = CONNECTION):
        super().__init__(message)
        self.kind = kind


def fault_kind(error: BaseException) -> str | None:
    """The one place that decides which errors mean "the store is unavailable", and of which kind.

    None means a bug (a wrong statement, a closed cursor): that stays an error to fix, not a fault to ride out.
    """
    if isinstance(error, sqlite3.Error):
        code = "_".join(getattr(error, "sqlite_errorname", "").split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
        if "no such table" in str(error):
            return MISSING_SCHEMA
        return _SQLITE_KINDS.get(code)
    if type(error).__module__.split(".")[0] in ("psycopg", "psycopg_pool"):
        return _postgres_kind(error)
    return None


def _already_there(error: BaseException) -> bool:
    """A schema statement failed because what it makes exists (a column, table or index)."""
    if isinstance(error, sqlite3.OperationalError):
        return str(error).startswith("duplicate column name") or str(error).endswith("already exists")
    return type(error).__name__ in ("DuplicateColumn", "DuplicateTable", "DuplicateObject")


def _postgres_kind(error: BaseException) -> str | None:
    import psycopg
    from psycopg import errors

    kinds: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
        (errors.UndefinedTable, MISSING_SCHEMA),
        (errors.ReadOnlySqlTransaction, READ_ONLY),
        ((errors.DataCorrupted, errors.IndexCorrupted), CORRUPTION),
        (psycopg.IntegrityError, INTEGRITY),
        ((errors.QueryCanceled, errors.LockNotAvailable, errors.InFailedSqlTransaction), OPERATIONAL),
        ((psycopg.OperationalError, psycopg.InterfaceError), CONNECTION),  # PoolTimeout is one too
    )
    return next((kind for types, kind in kinds if isinstance(error, types)), None)


class Breaker:
    """After `failures` slow faults in a row, refuse at once for `seconds`; then let one call probe the store.

    Only a slow fault counts (a hung or locked store): one that fails at once costs no caller a wait, and
    skipping the store then would only delay seeing it back. A fault the database answered (read-only, say) is
    never counted, however long this busy machine took to hear it: skipping would fail reads that still work.
    """

    def __init__(self, failures: int = BREAKER_FAILURES, seconds: float = BREAKER_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.failures, self.seconds, self.clock = failures, seconds, clock
        self._lock = threading.Lock()
        self._in_a_row = 0
        self._opened_at: float | None = None
        self._probe_since: float | None = None
        self.last_kind = CONNECTION

    def check(self) -> None:
        """Return if the store may be tried now (this call may be the probe), raise StoreUnavailable if not."""
        with self._lock:
            if self._opened_at is None:
                return
            if not self._skipping(self.clock()):
                self._probe_since = self.clock()  # this call is the probe; the others keep skipping until it answers
                return
        raise self._refusal()

    def refuse_while_skipping(self) -> None:
        """Raise StoreUnavailable while calls are being skipped, without taking the probe's turn (for callers
        that hand the work to another thread, where the transaction itself checks)."""
        with self._lock:
            if self._opened_at is None or not self._skipping(self.clock()):
                return
        raise self._refusal()

    def _skipping(self, now: float) -> bool:
        waiting = self._opened_at is not None and now - self._opened_at < self.seconds
        probing = self._probe_since is not None and now - self._probe_since < self.seconds
        return waiting or probing

    def _refusal(self) -> StoreUnavailable:
        return StoreUnavailable(f"skipped: {self._in_a_row} slow failures in a row", self.last_kind)

    def failed(self, kind: str, seconds: float) -> None:
        """A call failed with this kind of fault after `seconds`."""
        if seconds < SLOW_FAILURE_SECONDS or kind in _ANSWERS:
            self.succeeded()  # the store answered (with a fault): no reason to stop asking it
            return
        with self._lock:
            self._in_a_row += 1
            self.last_kind = kind
            self._probe_since = None
            if self._in_a_row >= self.failures:
                self._opened_at = self.clock()

    def succeeded(self) -> None:
        with self._lock:
            self._in_a_row, self._opened_at, self._probe_since = 0, None, None


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

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple:
        """The first row of a query that always has one: an aggregate, or a row this transaction wrote."""
        found = self.one(sql, params)
        if found is None:
            raise LookupError(f"expected a row from {sql!r}")
        return found


class _Watchdog:
    """Cuts a PostgreSQL connection whose transaction outlives its limit.

    A hung server cannot enforce statement_timeout, and libpq has no client-side timeout for a query already
    sent: without this a request would wait as long as the server hangs. Shutting the socket down makes the
    waiting call fail at once ("server closed the connection"); the pool then discards the connection.
    """

    def __init__(self, tick_seconds: float = 0.1):
        self.tick_seconds = tick_seconds
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[float, Any]] = {}
        self._pid = 0

    @contextmanager
    def watching(self, connection: Any, seconds: float) -> Iterator[None]:
        self._start()
        with self._lock:
            self._watched[id(connection)] = (time.monotonic() + seconds, connection)
        try:
            yield
        finally:
            with self._lock:
                self._watched.pop(id(connection), None)

    def _start(self) -> None:
        if self._pid != os.getpid():  # a thread does not survive gunicorn's fork
            with self._lock:
                if self._pid != os.getpid():
                    self._watched.clear()
                    threading.Thread(target=self._watch_forever, name="store-watchdog", daemon=True).start()
                    self._pid = os.getpid()

    def _watch_forever(self) -> None:
        while True:
            time.sleep(self.tick_seconds)
            now = time.monotonic()
            with self._lock:
                late = [key for key, (deadline, _) in self._watched.items() if deadline < now]
                connections = [self._watched.pop(key)[1] for key in late]
            for connection in connections:
                log.warning("cutting a database connection that waited too long for the server")
                _shut_down_socket(connection.pgconn.socket)


def _shut_down_socket(descriptor: int) -> None:
    try:
        with socket.socket(fileno=os.dup(descriptor)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)  # acts on the socket itself, not just this descriptor
    except OSError:
        pass  # already closed: nothing waits on it any more


_WATCHDOG = _Watchdog()
_LEFT_OPEN: list[sqlite3.Connection] = []  # connections to SQLite files since deleted or replaced (see below)


class _ThreadConnection(threading.local):
    """This thread's SQLite connection and the inode of the file it opened."""

    connection: sqlite3.Connection | None = None
    inode: int | None = None


class Database:
    """A database named by URL: `sqlite:///path/to/file.db` or `postgresql://user:pass@host/db`."""

    def __init__(self, url: str, breaker: Breaker | None = None, pool_max: int = DEFAULT_DATABASE_POOL_MAX):
        self.url = url
        self.pool_max = pool_max
        self.postgres = url.startswith(POSTGRES_PREFIXES)
        if not self.postgres and not url.startswith(SQLITE_PREFIX):
            raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql://")
        if self.postgres and importlib.util.find_spec("psycopg") is None:  # an optional extra: say how to add it
            raise ConfigurationError("DATABASE_URL names a PostgreSQL database, but PostgreSQL's driver (psycopg) is "
                                     "not installed: run `.venv/bin/pip install -e '.[postgres]'`")
        self.schema_ready = False
        self._repair_due = False
        self.breaker = breaker or Breaker()
        self._local = _ThreadConnection()
        self._pool: Any = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()
        if not self.postgres:
            self._path = Path(url[len(SQLITE_PREFIX):])
            self._path.parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction: committed when the block ends, rolled back if it raises.

        The schema is brought up to date first if it is not known to be (the database was down at start-up,
        or the schema was found missing). Any database fault leaves as StoreUnavailable.
        """
        self.breaker.check()
        if not self.schema_ready:
            self.migrate()
        with self._faults_as_unavailable(), self._transaction() as tx:
            yield tx

    def probe(self) -> dict[str, str]:
        """A read and a cheap write (this instance's heartbeat row): "ok" or the fault's kind for each.

        A read alone says nothing of a read-only database or a full disk, where every opt-out would be lost.
        """
        checks = {}
        for name, check in (("read", self._read_probe), ("write", self._write_probe)):
            try:
                check()
                checks[name] = "ok"
            except StoreUnavailable as error:
                checks[name] = error.kind
        return checks

    def _read_probe(self) -> None:
        with self.transaction() as tx:
            tx.execute("SELECT MAX(version) FROM schema_version")

    def _write_probe(self) -> None:
        with self.transaction() as tx:
            tx.execute("INSERT INTO heartbeats (instance, beat_at) VALUES (?, ?)"
                       " ON CONFLICT (instance) DO UPDATE SET beat_at = excluded.beat_at",
                       (socket.gethostname(), time.time_ns()))  # never the same value: SQLite skips a no-op write

    def migrate(self) -> int:
        """Bring the schema up to date (idempotent, safe with several instances); return its version.

        After a missing table was seen, every migration's statements are run again harmlessly (CREATE as IF NOT
        EXISTS, ALTER in a savepoint), so a dropped table or a deleted SQLite file is re-created, with its later
        columns, even though schema_version says it was there.
        """
        with self._faults_as_unavailable(repair_schema=False):
            version = self._migrate(self._repair_due)
        self._repair_due = False
        self.schema_ready = True
        return version

    def close(self) -> None:
        """Close this thread's SQLite connection and the PostgreSQL pool (tests, shutdown)."""
        self._forget_thread_connection()
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    @contextmanager
    def _faults_as_unavailable(self, repair_schema: bool = True) -> Iterator[None]:
        """A database fault becomes StoreUnavailable and feeds the breaker; a missing schema is re-created."""
        started = time.monotonic()
        try:
            yield
        except Exception as error:
            kind = fault_kind(error)
            if kind is None:
                raise
            self.breaker.failed(kind, time.monotonic() - started)
            if kind == CONNECTION and self.postgres:
                self._drop_pool()
            if kind == MISSING_SCHEMA:
                self.schema_ready, self._repair_due = False, True
                if repair_schema:
                    self._repair_schema()
            raise StoreUnavailable(f"{type(error).__name__}: {error}", kind) from error
        else:
            self.breaker.succeeded()

    def _repair_schema(self) -> None:
        try:
            self.migrate()
            log.warning("the store's schema was missing and has been re-created")
        except StoreUnavailable as error:
            log.warning("the store's schema is missing and cannot be re-created now: %s", error)

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        if self.postgres:
            pool = self._postgres_pool()
            connection = pool.getconn()
            try:  # the watch covers the commit too: a hung server can hold that as well
                with _WATCHDOG.watching(connection, WAIT_SECONDS * 2), connection.transaction(), \
                        connection.cursor() as cursor:
                    yield Transaction(cursor, postgres=True)
            finally:
                pool.putconn(connection)
            return
        connection = self._sqlite_connection()
        try:
            connection.execute("BEGIN IMMEDIATE")  # take the write lock now: no deadlock on upgrade
            yield Transaction(connection.cursor(), postgres=False)
            connection.execute("COMMIT")
        except BaseException as error:
            try:  # before closing: a connection with a statement still alive (in the traceback) closes only later
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the fault already raised says more
            if isinstance(error, sqlite3.Error):
                self._forget_thread_connection()  # a fresh connection next time: the file may have been replaced
            raise

    def _sqlite_connection(self) -> sqlite3.Connection:
        """This thread's connection, reopened if the file was deleted or replaced since it was opened."""
        local = self._local
        inode = self._file_inode()
        if local.connection is not None and inode == local.inode:
            return local.connection
        self._forget_thread_connection()
        if inode is None:
            self.schema_ready, self._repair_due = False, True  # a new, empty file: it needs the schema first
        connection = sqlite3.connect(self._path, timeout=WAIT_SECONDS, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
            connection.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe from corruption, one fsync less
        except sqlite3.Error:
            connection.close()
            raise
        local.connection, local.inode = connection, os.stat(self._path).st_ino
        return connection

    def _file_inode(self) -> int | None:
        try:
            return os.stat(self._path).st_ino
        except FileNotFoundError:
            return None

    def _forget_thread_connection(self) -> None:
        connection, self._local.connection = self._local.connection, None
        if connection is None:
            return
        if self._file_inode() != self._local.inode:
            # The file was deleted or replaced. The last connection to close deletes the log *by name*, which
            # is now the new file's: so a connection to the old file is left open, never closed (rare: once
            # per thread per replacement).
            _LEFT_OPEN.append(connection)
            return
        try:
            connection.close()
        except sqlite3.Error:
            pass  # a connection to a broken file may not even close cleanly; it is gone either way

    def _postgres_pool(self) -> Any:
        """The pool of this process: gunicorn forks workers after create_app; a pool's threads do not survive it."""
        if self._pool is None or self._pool_pid != os.getpid():
            with self._pool_lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    from psycopg_pool import ConnectionPool  # only needed, and only imported, with PostgreSQL

                    self._pool = ConnectionPool(
                        self.url, min_size=0, max_size=self.pool_max, timeout=WAIT_SECONDS, max_idle=60, name="otline",
                        kwargs={"connect_timeout": WAIT_SECONDS, "options": _POSTGRES_OPTIONS}, open=True,
                    )
                    self._pool_pid = os.getpid()
        return self._pool

    def _drop_pool(self) -> None:
        """A pool that lost its server backs off between reconnection attempts (for up to minutes): start afresh."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close(timeout=0)  # connections still out are closed when they come back

    def _migrate(self, repair: bool) -> int:
        """Apply the migrations not yet applied; when repairing, run every statement again harmlessly.

        Nothing is written when nothing is due, so a read-only database still serves reads.
        """
        with self._transaction() as tx:
            if self.postgres:
                tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
                found = tx.one("SELECT to_regclass('schema_version')")
            else:
                found = tx.one("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
            if not found or found[0] is None:  # new, or lost while its tables may remain: build as in a repair
                tx.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                repair = True
            applied = {row[0] for row in tx.execute("SELECT version FROM schema_version")}
            for version, statements in enumerate(MIGRATIONS, start=1):
                for statement in statements:
                    if repair:
                        self._run_again(tx, statement)
                    elif version not in applied:
                        tx.execute(statement)
                if version not in applied:
                    tx.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            return len(MIGRATIONS)

    @staticmethod
    def _run_again(tx: Transaction, statement: str) -> None:
        """Run a migration's statement for a repair, whether applied or not: what it made may or may not be there.

        CREATE runs as IF NOT EXISTS; anything else (ALTER TABLE ... ADD COLUMN) in a savepoint, where
        "already there" is success, so a table re-created by its CREATE gets its later columns back too.
        """
        again = rerunnable(statement)
        if again:
            tx.execute(again)
            return
        tx.execute("SAVEPOINT run_again")
        try:
            tx.execute(statement)
        except Exception as error:
            if not _already_there(error):
                raise
            tx.execute("ROLLBACK TO SAVEPOINT run_again")
        tx.execute("RELEASE SAVEPOINT run_again")
