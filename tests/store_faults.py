"""Real database faults for the fault tests and bench/faults.py: each breaks a real SQLite file or PostgreSQL server.

A fault is a pair of callables: `inject` breaks the store, `heal` puts it back as an operator would (None when
the line must recover by itself). `exchange` sends what a call and a text do and returns what came back.
"""

from __future__ import annotations

import itertools
import resource
import signal
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree
from typing import Any, Callable, Iterator

from flask.testing import FlaskClient

from tests.databases import TABLES
from tests.twilio_requests import CALLER, LINE_NUMBER, TEST_BASE, sign, sms_post, twilio_post



@dataclass
class Answer:
    path: str
    status: int
    body: bytes
    seconds: float


def voice_post(client: FlaskClient, path: str, params: dict[str, str]) -> Any:
    """POST as Twilio would, without waiting for the app's queued writes (timed as Twilio would see it)."""
    data = {"CallSid": "CA" + "0" * 32, "AccountSid": "AC" + "0" * 32, "From": CALLER,
            "To": LINE_NUMBER, "CallStatus": "in-progress", **params}
    return client.post(path, data=data, headers={"X-Twilio-Signature": sign(TEST_BASE + path, data)})


def exchange(client: FlaskClient) -> list[Answer]:
    """A remembered caller's call (POST /voice, a language key, a menu key), a text, and the health check."""
    steps: list[tuple[str, Callable[[], Any]]] = [
        *((path, lambda path=path, params=params: voice_post(client, path, params))
          for path, params in (("/voice", {}), ("/voice/language/choose?attempt=1", {"Digits": "1"}),
                               ("/voice/en/choices/main/choose?attempt=1", {"Digits": "3"}))),
        ("/sms", lambda: sms_post(client, "KEYPOINTS")),
        ("/healthz", lambda: client.get("/healthz")),
    ]
    answers = []
    for path, send in steps:
        started = time.monotonic()
        response = send()
        answers.append(Answer(path, response.status_code, response.data, time.monotonic() - started))
    return answers


_fresh_numbers = itertools.count(1)


def remembers_a_language(client: FlaskClient) -> bool:
    """The line's memory works: a language chosen by text is the next call's language (a fresh number each
    time, so no rate limit of earlier texts gets in the way)."""
    number = f"+1500555{next(_fresh_numbers) % 10000:04d}"
    sms_post(client, "ESPAÑOL", {"From": number})
    response = twilio_post(client, "/voice", {"From": number})
    gather = next(ElementTree.fromstring(response.data).iter("Gather"), None)
    return gather is not None and gather.get("action", "").startswith("/voice/es/")


def sqlite_files(path: Path) -> list[Path]:
    return [found for found in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if found.exists()]


def corrupt(path: Path) -> None:
    """Junk over the database and its log, as a bad disk or a careless copy would leave them.

    Not over the -shm index: SQLite maps it into memory, and truncating a mapped file kills any process
    (SIGBUS) whatever the line does; it holds nothing that is not rebuilt from the log.
    """
    for found in sqlite_files(path)[:2]:
        found.write_bytes(b"not a database " * 1000)


def delete(path: Path) -> None:
    """`rm line.db*` while the line runs."""
    for found in sqlite_files(path):
        found.unlink()


def _chattr(flag: str, path: Path) -> None:
    """The immutable attribute: unlike chmod it stops root too (the tests run as root in CI)."""
    for found in [path.parent, *sqlite_files(path)[:2]]:  # not the mapped -shm: SQLite would take a SIGBUS
        subprocess.run(["chattr", flag, str(found)], check=True, capture_output=True)


def make_read_only(path: Path) -> None:
    _chattr("+i", path)


def make_writable(path: Path) -> None:
    _chattr("-i", path)


def drop_tables(path: Path) -> None:
    with sqlite3.connect(path, isolation_level=None, timeout=5) as connection:
        for table in TABLES:
            connection.execute(f"DROP TABLE IF EXISTS {table}")
    connection.close()


@contextmanager
def full_disk(path: Path) -> Iterator[None]:
    """This process may write no file past its first 4 KiB: SQLite's writes fail as on a full disk (root is not exempt).

    RLIMIT_FSIZE, not a tiny file system: mounting one needs privileges a container may not have.
    """
    limit = 4096  # bytes: below any write SQLite makes into the database or its log after the first page
    previous_signal = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a killed process
    previous = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, previous[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, previous)
        signal.signal(signal.SIGXFSZ, previous_signal)


def sqlite_path(client: FlaskClient) -> Path:
    return Path(client.application.extensions["otline"].texts.store.database.url.removeprefix("sqlite:///"))


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable[[Path], None]
    heal: Callable[[Path], None] | None


SQLITE_FAULTS = (
    Fault("corrupted file", corrupt, delete),  # the operator removes the junk; the line starts afresh
    Fault("file deleted", delete, None),
    Fault("read-only file", make_read_only, make_writable),
    Fault("tables dropped", drop_tables, None),
)
