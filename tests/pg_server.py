"""A private PostgreSQL server per test module, that a test may stop, crash, hang and restart for real.

The store's fault tests need a server they own: the shared one of TEST_DATABASE_URL (started by
.ci/postgres.sh) must stay up for every other test. This one lives in a temp folder, listens only on a
Unix socket there, and runs as `nobody` when the tests run as root (initdb refuses root).

The tests run in parallel (pytest-xdist, see pyproject.toml), and the store tests drop and re-create the line's
tables in TEST_DATABASE_URL's database: each worker gets a database of its own on that server instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

PG_ROOT = Path("/usr/lib/postgresql")
_SHARED_URL = "TEST_DATABASE_URL_OF_ALL_WORKERS"  # where the worker databases are created and dropped from


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker's TEST_DATABASE_URL names a fresh database of its own on the same server."""
    worker, shared = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("TEST_DATABASE_URL")
    if worker and shared:
        os.environ[_SHARED_URL] = shared
        os.environ["TEST_DATABASE_URL"] = _worker_database(shared, worker, create=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The worker's database goes with it."""
    shared, worker = os.environ.pop(_SHARED_URL, None), os.environ.get("PYTEST_XDIST_WORKER")
    if worker and shared:
        _worker_database(shared, worker, create=False)


def _worker_database(shared_url: str, worker: str, create: bool) -> str:
    """Drop the worker's database (a run interrupted before may have left it), create it afresh if asked."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(shared_url)
    name = f"{parts.path.lstrip('/')}_{worker}"
    with psycopg.connect(shared_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}"))


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (Debian's layout), or None."""
    found = sorted(PG_ROOT.glob("*/bin/pg_ctl"), key=lambda path: int(path.parent.parent.name))
    return found[-1].parent if found else None


class PostgresServer:
    """One throwaway cluster: `url` names its database; stop/crash/hang/resume/start act on the real processes."""

    def __init__(self, folder: Path, bin_dir: Path):
        self.folder, self.bin = folder, bin_dir
        self.data = folder / "data"
        self.run_as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        folder.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            os.chown(folder, *_nobody())
        self._run("initdb", "-D", str(self.data), "-U", "otline", "--auth=trust", "-E", "UTF8", "--no-locale")
        self.url = f"postgresql://otline@/otline_test?host={folder}"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.run_as, str(self.bin / tool), *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-k {self.folder} -c listen_addresses='' -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "30",
                  "-o", options, "start")
        subprocess.run([str(self.bin / "createdb"), "-h", str(self.folder), "-U", "otline", "otline_test"],
                       capture_output=True, timeout=30)  # fails harmlessly when it exists already

    def stop(self) -> None:
        """A clean shutdown, as an operator's restart would do."""
        self.resume()
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def crash(self) -> None:
        """SIGKILL to every server process: no goodbye to clients, as a crashed host."""
        self._signal(signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self._pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        (self.data / "postmaster.pid").unlink(missing_ok=True)

    def hang(self) -> None:
        """SIGSTOP to every server process: connections are accepted by the kernel and never answered."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, sig: signal.Signals) -> None:
        """Signal every server process; a backend that exits meanwhile is gone, not an error."""
        for pid in self._pids():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                continue

    def sql(self, statement: str) -> None:
        """Run one statement as the superuser (e.g. to make the database read-only)."""
        subprocess.run([str(self.bin / "psql"), self.url, "-qAtc", statement], check=True, capture_output=True,
                       timeout=30)

    def _pids(self) -> list[int]:
        """The postmaster and its children, found through /proc (no psutil needed)."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return []
        main = int(pid_file.read_text().split()[0])
        pids = [main]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == main:
                pids.append(int(stat.parent.name))
        return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def _nobody() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    """A running private server; tests that stop or hang it must leave it running (use try/finally)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing under /usr/lib/postgresql (CI installs them)")
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql: fault tests need a real server")
    folder = Path(tempfile.mkdtemp(prefix="otline-pg-"))  # not pytest's tmp: that is private to root
    folder.chmod(0o755)
    server = PostgresServer(folder / "cluster", bin_dir)
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            server.crash()
        shutil.rmtree(folder, ignore_errors=True)
