"""Two instances as in production: two gunicorn servers (2 workers each) on one database. A revision published
on the store reaches every worker of both within 5 s, while a call walks through the section, with no error.
On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import pytest

from ivr.publishing.document import read_folders
from ivr.publishing.store import Revisions
from ivr.store.database import Database
from tests.shipped import PROJECT
from tests.staff_words import edit
from tests.twilio_requests import TEST_BASE, TEST_TOKEN, sign

PART = "/voice/en/topic/key-points/part/1"
CALL = {"CallSid": "CA" + "9" * 32, "AccountSid": "AC" + "9" * 32, "From": "+15005550006", "To": "+15005551234"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ask(port: int) -> tuple[int, str]:
    """One signed request for the section's part, on a new connection (so any worker may answer)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{PART}", data=urlencode(CALL).encode(),
                                     headers={"X-Twilio-Signature": sign(TEST_BASE + PART, CALL)})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture
def two_servers(tmp_path: Path, database_url: str, words: Path) -> Iterator[list[int]]:
    Database(database_url).migrate()
    Revisions(Database(database_url)).start(read_folders(words / "content", words / "prompts"), "test")
    servers, ports = [], []
    for name in ("one", "two"):
        port = free_port()
        env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2",
               "TWILIO_AUTH_TOKEN": TEST_TOKEN, "PUBLIC_BASE_URL": TEST_BASE, "DATABASE_URL": database_url,
               "NUMBER_HASH_SECRET": "test", "CONTENT_DIR": str(words / "content"),
               "PROMPTS_DIR": str(words / "prompts"), "AUDIO_DIR": str(words / "audio"), "REVISION_POLL_SECONDS": "2"}
        log = (tmp_path / f"{name}.log").open("wb")
        servers.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "app:app"], cwd=PROJECT, env=env,
                                        stdout=log, stderr=subprocess.STDOUT))
        ports.append(port)
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if ask(port)[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "one.log").read_text()
                time.sleep(0.2)
        yield ports
    finally:
        for server in servers:
            server.terminate()
            server.wait(20)


def test_a_publish_reaches_every_worker_of_two_gunicorn_servers_within_5_seconds(two_servers: list[int],
                                                                                  database_url: str,
                                                                                  words: Path):
    assert all("OCCUPATIONAL THERAPY" not in ask(port)[1] for port in two_servers)
    edit(words / "content/en/topics/key-points.txt", "Occupational therapy", "OCCUPATIONAL THERAPY")
    revisions = Revisions(Database(database_url))
    number = revisions.import_draft(read_folders(words / "content", words / "prompts"), "ana", "", "test")
    for action, actor in (("submit", "ana"), ("approve", "ben"), ("publish", "ben")):
        revisions.act(number, action, actor, "test")
    published, statuses = time.monotonic(), []
    last_old = {port: published for port in two_servers}
    while time.monotonic() < published + 6:  # every answer after the last old one must be new
        for port in two_servers:
            status, said = ask(port)
            statuses.append(status)
            if "OCCUPATIONAL THERAPY" not in said:
                last_old[port] = time.monotonic()
    assert set(statuses) == {200}
    assert all(at - published < 5 for at in last_old.values()), {port: at - published for port, at in last_old.items()}
