"""Every database fault is "store unavailable", never a 5xx: real broken SQLite files and a real PostgreSQL
server made read-only, stopped, crashed, hung (SIGSTOP) and restarted. Calls never hear the apology, texts
are answered, /healthz says 200 and tells the truth, and the line recovers by itself when the store does.
"""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from flask import Flask

from ivr.store.database import (CONNECTION, CORRUPTION, INTEGRITY, MISSING_SCHEMA, READ_ONLY, Breaker,
                                StoreUnavailable)
from ivr.store.offload import Offload
from tests.app_factory import build_app
from tests.pg_server import PostgresServer
from tests.store_faults import (SQLITE_FAULTS, Answer, Fault, exchange, full_disk, remembers_a_language, sqlite_path,
                                voice_post)
from tests.twilio_requests import sms_post


def apology(app: Flask) -> bytes:
    with app.app_context():
        pages, line = app.extensions["otline"].pages, app.extensions["otline"].line
        return str(pages.apology(line.default_language, repeated=False)).encode()


def assert_answered(app: Flask, answers: list[Answer]) -> None:
    """No 5xx anywhere, no apology on the voice line, and a health check a load balancer keeps."""
    for answer in answers:
        assert answer.status < 500, (answer.path, answer.status, answer.body[:300])
        if answer.path.startswith("/voice"):
            assert answer.status == 200 and answer.body != apology(app), answer.path
    assert answers[-1].status == 200


def health(client) -> dict:
    response = client.get("/healthz")
    assert response.status_code == 200
    return response.get_json()


def recovers(client, within_seconds: float = 10.0) -> float:
    """Seconds until the health check says ok again and the line remembers a language."""
    started = time.monotonic()
    while time.monotonic() - started < within_seconds:
        if health(client)["status"] == "ok" and remembers_a_language(client):
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not recovered within {within_seconds} s: {health(client)}")


# --- SQLite -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", SQLITE_FAULTS, ids=lambda fault: fault.name)
def test_a_broken_sqlite_store_is_never_a_5xx_and_the_line_recovers(tmp_path: Path, fault: Fault) -> None:
    app = build_app(tmp_path)
    client = app.test_client()
    assert_answered(app, exchange(client))
    path = sqlite_path(client)
    fault.inject(path)
    try:
        for _ in range(3):
            assert_answered(app, exchange(client))
    finally:
        if fault.heal:
            fault.heal(path)
    recovers(client)


def test_a_store_that_cannot_be_written_is_reported_by_the_health_check(tmp_path: Path) -> None:
    """The read works, so only a write probe sees that every STOP would be lost."""
    app = build_app(tmp_path)
    client = app.test_client()
    assert_answered(app, exchange(client))  # running, its files open, when the disk turns read-only
    path = sqlite_path(client)
    SQLITE_FAULTS[2].inject(path)
    try:
        report = health(client)
        # read-only when a connection opens on the file; an I/O error when an open one writes to its log
        assert report["status"] == "degraded" and report["database"]["write"] in ("read-only", "operational"), report
        assert report["database"]["read"] == "ok"
        assert_answered(app, exchange(client))
    finally:
        SQLITE_FAULTS[2].heal(path)
    recovers(client)


def test_a_corrupted_file_is_named_as_such(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    client = app.test_client()
    SQLITE_FAULTS[0].inject(sqlite_path(client))
    report = health(client)
    assert report["status"] == "degraded" and report["database"]["read"] == "corruption", report


def test_a_full_disk_is_never_a_5xx_and_the_health_check_says_so(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    client = app.test_client()
    assert_answered(app, exchange(client))
    with full_disk(sqlite_path(client)):
        report = health(client)
        answers = exchange(client)
    assert report["status"] == "degraded" and report["database"]["write"] != "ok", report
    assert_answered(app, answers)
    recovers(client)


# --- PostgreSQL -------------------------------------------------------------------------------

@pytest.fixture
def pg_app(tmp_path: Path, postgres_server: PostgresServer) -> Flask:
    return build_app(tmp_path, DATABASE_URL=postgres_server.url)


def set_read_only(server: PostgresServer, on_or_off: str) -> None:
    """As a failover to a standby would: every transaction read-only, sessions already open cut."""
    admin = server.url.replace("/otline_test?", "/postgres?")  # a read-only otline_test could not turn itself back
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"ALTER DATABASE otline_test SET default_transaction_read_only = {on_or_off}")
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'otline_test'")


def test_postgresql_turned_read_only_is_never_a_5xx_and_is_reported(pg_app: Flask,
                                                                    postgres_server) -> None:
    client = pg_app.test_client()
    assert_answered(pg_app, exchange(client))
    set_read_only(postgres_server, "on")
    try:
        for _ in range(3):
            assert_answered(pg_app, exchange(client))
        report = health(client)
        # read-only when a connection opens on the file; an I/O error when an open one writes to its log
        assert report["status"] == "degraded" and report["database"]["write"] in ("read-only", "operational"), report
        assert report["database"]["read"] == "ok"
    finally:
        set_read_only(postgres_server, "off")
    recovers(client)


@pytest.mark.parametrize("fault", ["stop", "crash"])
def test_postgresql_stopped_or_crashed_is_never_a_5xx_and_the_line_recovers(pg_app: Flask,
                                                                           postgres_server,
                                                                           fault: str) -> None:
    client = pg_app.test_client()
    assert_answered(pg_app, exchange(client))
    getattr(postgres_server, fault)()
    try:
        for _ in range(3):
            assert_answered(pg_app, exchange(client))
        assert health(client)["status"] == "degraded"
    finally:
        postgres_server.start()
    recovers(client, within_seconds=15)


def test_a_hung_postgresql_holds_a_text_for_seconds_not_forever(pg_app: Flask, postgres_server) -> None:
    """A pooled connection's query sent to a hung server waits for an answer that never comes (libpq has no
    client-side timeout); it must be cut, so Twilio's 15 s are never reached."""
    client = pg_app.test_client()
    assert remembers_a_language(client)  # the pool holds open connections now
    postgres_server.hang()
    try:
        started = time.monotonic()
        outcome: list = []
        sender = threading.Thread(target=lambda: outcome.append(sms_post(client, "KEYPOINTS")), daemon=True)
        sender.start()
        sender.join(timeout=14)
        assert outcome and outcome[0].status_code == 200, "the text was held past Twilio's 15 s"
        assert time.monotonic() - started < 14
    finally:
        postgres_server.resume()
    recovers(client, within_seconds=15)


def test_a_hung_postgresql_never_holds_a_call_and_the_line_recovers(pg_app: Flask,
                                                                    postgres_server) -> None:
    """SIGSTOP: the kernel accepts connections that are never answered. Generous bounds: bench/ has the numbers."""
    client = pg_app.test_client()
    assert remembers_a_language(client)
    postgres_server.hang()
    try:
        for _ in range(5):
            started = time.monotonic()
            response = voice_post(client, "/voice", {"From": "+15005550199"})
            assert time.monotonic() - started < 1.5
            assert response.status_code == 200
            assert next(ET.fromstring(response.data).iter("Gather")).get("action", "").startswith("/voice/language")
        started = time.monotonic()
        assert health(client)["status"] == "degraded"
        assert time.monotonic() - started < 1.5
        answers = exchange(client)
        assert [answer.status for answer in answers[:3]] == [200, 200, 200]
    finally:
        postgres_server.resume()
    recovers(client, within_seconds=15)


# --- the text line's last resort, the breaker, the writer's queue -------------------------------

def test_a_text_handler_that_fails_answers_an_empty_response(client, monkeypatch) -> None:
    """Whatever goes wrong in the text line, Twilio gets valid TwiML that sends nothing, not a 500."""
    import ivr.sms.gate

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ivr.sms.gate, "answer", broken)  # the texting gate's decision
    response = sms_post(client, "KEYPOINTS")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert ET.fromstring(response.data).tag == "Response" and len(ET.fromstring(response.data)) == 0


def test_the_breaker_skips_a_slow_store_then_lets_one_call_probe_it() -> None:
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    breaker = Breaker(failures=3, seconds=5, clock=clock)
    for _ in range(2):
        breaker.failed(CONNECTION, 2.0)
    breaker.check()  # two slow failures: still tried
    breaker.failed(CONNECTION, 0.001)  # a quick failure resets the count: it cost nobody a wait
    for _ in range(3):
        breaker.failed(CONNECTION, 2.0)
    with pytest.raises(StoreUnavailable) as skipped:
        breaker.check()
    assert skipped.value.kind == CONNECTION
    clock.now = 5.0
    breaker.refuse_while_skipping()  # the probe's turn is not taken by a caller that only looks
    breaker.check()  # this call is the probe
    with pytest.raises(StoreUnavailable):
        breaker.check()  # the others wait for its answer
    breaker.succeeded()
    breaker.check()


@pytest.mark.parametrize("kind", [READ_ONLY, INTEGRITY, MISSING_SCHEMA, CORRUPTION])
def test_a_store_that_answers_with_a_fault_is_never_skipped_however_slow_the_answer(kind: str) -> None:
    """Only a hung or locked store opens the breaker: a refusal the database answered (read-only after a failover,
    say) took long only because the machine was busy, and skipping the store would fail reads that still work."""
    breaker = Breaker(failures=3, seconds=5)
    for _ in range(3):
        breaker.failed(kind, 2.0)
    breaker.check()


def test_a_full_write_queue_drops_the_write_with_a_warning(caplog) -> None:
    offload = Offload(Breaker(), queue_size=1)
    release = threading.Event()
    offload.write(release.wait, "a slow write")  # the writer takes it and waits
    time.sleep(0.05)
    offload.write(lambda: None, "a queued write")
    offload.write(lambda: None, "a dropped write")
    assert "a dropped write not saved" in caplog.text
    release.set()
    assert offload.wait_until_written(timeout=2)


def test_a_read_that_misses_its_deadline_is_store_unavailable() -> None:
    offload = Offload(Breaker())
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        offload.read(release.wait, deadline=0.05)
    assert time.monotonic() - started < 1
    release.set()


def test_twelve_retries_of_one_text_at_once_are_all_answered_on_postgresql(pg_app: Flask, caplog) -> None:
    """More requests at once than the pool has connections: they wait their turn, none fails.

    (That they are answered and counted once is the MessageSid claim's test, beside the texting gate.)"""
    client_for = pg_app.test_client
    sms_post(client_for(), "MENU")  # the pool is open
    params = {"MessageSid": "SM" + "7" * 32}
    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(lambda _: sms_post(client_for(), "KEYPOINTS", params), range(12)))
    assert [response.status_code for response in responses] == [200] * 12
    assert "unavailable" not in caplog.text and "failed" not in caplog.text


def test_a_thread_keeps_one_sqlite_connection_and_reopens_it_when_the_file_is_replaced(tmp_path: Path,
                                                                                       monkeypatch) -> None:
    """Opening a connection (and its PRAGMAs) per store call cost more than the rest of a request."""
    import sqlite3

    from ivr.store import database as database_module
    from ivr.store.database import Database

    opened = []
    real_connect = sqlite3.connect
    monkeypatch.setattr(database_module.sqlite3, "connect", lambda *a, **k: opened.append(a) or real_connect(*a, **k))
    database = Database(f"sqlite:///{tmp_path / 'kept.db'}")
    database.migrate()
    for _ in range(50):
        with database.transaction() as tx:
            tx.execute("SELECT COUNT(*) FROM numbers")
    assert len(opened) == 1
    (tmp_path / "kept.db").rename(tmp_path / "moved-away.db")
    (tmp_path / "moved-away.db-wal").unlink(missing_ok=True)
    with pytest.raises(StoreUnavailable):  # a new empty file: seen once as a missing schema, then re-created
        with database.transaction() as tx:
            tx.execute("SELECT COUNT(*) FROM numbers")
    with database.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) FROM numbers") == [(0,)]
    assert len(opened) >= 2


def test_a_repair_also_re_adds_columns_that_later_migrations_added(tmp_path: Path, monkeypatch) -> None:
    """A dropped table comes back from its CREATE migration; an ALTER ... ADD COLUMN migration after it must be
    run again too, or every statement naming that column would fail (as "no such column", a bug, not a fault)."""
    from ivr.store import database as database_module
    from ivr.store.database import Database
    from ivr.store.migrations import MIGRATIONS

    monkeypatch.setattr(database_module, "MIGRATIONS", (*MIGRATIONS, ("ALTER TABLE numbers ADD COLUMN extra TEXT",)))
    database = Database(f"sqlite:///{tmp_path / 'altered.db'}")
    database.migrate()
    with database.transaction() as tx:
        tx.execute("DROP TABLE numbers")
    with pytest.raises(StoreUnavailable):
        with database.transaction() as tx:
            tx.execute("SELECT extra FROM numbers")
    with database.transaction() as tx:
        assert tx.execute("SELECT extra FROM numbers") == []
    with database.transaction() as tx:  # another table dropped: the repair meets a column that is there already
        tx.execute("DROP TABLE rate_counts")
    with pytest.raises(StoreUnavailable):
        with database.transaction() as tx:
            tx.execute("SELECT COUNT(*) FROM rate_counts")
    with database.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) FROM rate_counts") == [(0,)]
        assert tx.execute("SELECT extra FROM numbers") == []
