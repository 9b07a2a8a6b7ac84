"""No opt-out is lost when the store is down: a real PostgreSQL stopped, crashed or hung, then back.

While the store cannot be written, an opt-out (or opt-in) is kept in an fsync'd spool file on the
instance and applied, in order, when the store is back; meanwhile the spool answers for the number.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

import ivr.sms.gate
from ivr.live_revision import LiveRevision
from ivr.sms.spool import SPOOL_FILE, OptOutSpool
from ivr.store.database import Database, StoreUnavailable
from tests.app_factory import build_app
from tests.pg_server import PostgresServer
from tests.publishing import revising
from tests.store_faults import delete, make_read_only, make_writable
from tests.twilio_fakes import FakeTwilioApi
from tests.twilio_requests import replies, sms_post, twilio_post

ACCOUNT = "AC" + "4" * 32
STOPS = {"stopped": 40, "crashed": 40, "hung": 12}  # STOPs sent during each outage; a hung server costs ~2 s a text


def caller(index: int) -> str:
    return f"+1666{index:07d}"


def line_app(folder: Path, server: PostgresServer, twilio: FakeTwilioApi) -> Flask:
    return build_app(folder, DATABASE_URL=server.url, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=twilio.base_url)


@contextmanager
def outage(server: PostgresServer, kind: str) -> Iterator[None]:
    """The server stopped, crashed or hung for the block, and back afterwards (even if the block fails)."""
    {"stopped": server.stop, "crashed": server.crash, "hung": server.hang}[kind]()
    try:
        yield
    finally:
        if kind == "hung":
            server.resume()
        else:
            server.start()


def opted_out(app: Flask, number: str) -> bool:
    found = app.extensions["otline"]
    return found.texts.store.number(found.texts.hasher(number)).opted_out


def text(app: Flask, body: str, number: str) -> list[str]:
    return replies(sms_post(app.test_client(), body, {"From": number}))


def text_me(app: Flask, number: str) -> bytes:
    path = "/voice/en/topic/key-points/part/0/choose"
    return twilio_post(app.test_client(), path, {"Digits": "8", "From": number}).data


def applied_by_texts_once_the_store_answers(app: Flask) -> None:
    """Text until the spool is applied: after an outage the store's breaker waits up to 5 s before trying it."""
    deadline = time.monotonic() + 20
    while spool_text(app) and time.monotonic() < deadline:
        assert text(app, "MENU", caller(999)) != []  # answered all along, from memory or not
        time.sleep(0.25)


def spool_text(app: Flask) -> str:
    path = Path(app.instance_path) / SPOOL_FILE
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("kind", list(STOPS))
def test_stops_sent_during_an_outage_are_all_applied_when_the_store_is_back(
        tmp_path: Path, postgres_server: PostgresServer, fake_twilio: FakeTwilioApi, kind: str) -> None:
    app = line_app(tmp_path, postgres_server, fake_twilio)
    numbers = [caller(index) for index in range(STOPS[kind])]
    with outage(postgres_server, kind):
        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(lambda number: text(app, "STOP", number), numbers)) == [[]] * len(numbers)
        assert text(app, "KEYPOINTS", numbers[0]) == []  # the spool answers for the number meanwhile
        assert b"asked us to stop texts" in text_me(app, numbers[0]) and fake_twilio.requests == []
        assert numbers[0] not in spool_text(app) and numbers[0][2:] not in spool_text(app)  # hashed numbers only
    applied_by_texts_once_the_store_answers(app)
    assert [opted_out(app, number) for number in numbers].count(False) == 0
    assert spool_text(app) == ""
    assert b"asked us to stop texts" in text_me(app, numbers[1]) and fake_twilio.requests == []


def test_stop_then_start_during_an_outage_ends_opted_in(tmp_path: Path, postgres_server: PostgresServer,
                                                        fake_twilio: FakeTwilioApi) -> None:
    app = line_app(tmp_path, postgres_server, fake_twilio)
    with outage(postgres_server, "stopped"):
        assert text(app, "STOP", caller(1)) == [] and text(app, "STOP", caller(2)) == []
        assert "texts again" in text(app, "START", caller(1))[0]
        assert text(app, "KEYPOINTS", caller(1)) != []  # opted back in: answered (without memory)
        assert text(app, "START", caller(2)) != []
        [stopped] = text(app, "PARAR", caller(2))  # the line's own word: confirmed by the line, not by Twilio
        assert "COMENZAR" in stopped
    applied_by_texts_once_the_store_answers(app)
    assert not opted_out(app, caller(1)) and opted_out(app, caller(2))
    found = app.extensions["otline"]
    assert found.texts.store.number(found.texts.hasher(caller(2))).language == "es"  # PARAR's language is kept with it


def test_a_spool_left_by_one_instance_is_applied_by_the_next(
        tmp_path: Path, postgres_server: PostgresServer, fake_twilio: FakeTwilioApi) -> None:
    """A crash or restart while the store is down: the new process finds the spool on disk and applies it."""
    with outage(postgres_server, "stopped"):
        first = line_app(tmp_path, postgres_server, fake_twilio)
        assert text(first, "STOP", caller(7)) == []
    del first
    restarted = line_app(tmp_path, postgres_server, fake_twilio)
    assert text(restarted, "MENU", caller(999)) != []
    assert opted_out(restarted, caller(7)) and spool_text(restarted) == ""


def test_the_spool_keeps_changes_in_order_survives_a_torn_line_and_empties_once_applied(tmp_path: Path) -> None:
    spool = OptOutSpool(tmp_path / "instance" / SPOOL_FILE)
    assert spool.pending("h1") is None and spool.apply(pytest.fail) == []
    spool.append("h1", True, None)
    with spool.path.open("a") as torn:
        torn.write('{"number": "h2", "opted_')  # a crash in the middle of a write
    spool.append("h1", False, "es")
    spool.append("h2", True, None)
    assert spool.pending("h1") is False and spool.pending("h2") is True
    written: list = []
    assert len(spool.apply(written.extend)) == 3
    assert [change[:3] for change in written] == [("h1", True, None), ("h1", False, "es"), ("h2", True, None)]
    assert spool.pending("h1") is None and not spool.holds_entries()


def test_the_spool_is_left_whole_when_the_store_is_still_down(tmp_path: Path) -> None:
    spool = OptOutSpool(tmp_path / SPOOL_FILE)
    spool.append("h1", True, None)

    def still_down(changes: object) -> None:
        raise StoreUnavailable("down")

    with pytest.raises(StoreUnavailable):
        spool.apply(still_down)
    assert spool.pending("h1") is True


def test_a_number_opted_out_before_an_outage_gets_no_section_during_it(
        tmp_path: Path, postgres_server: PostgresServer, fake_twilio: FakeTwilioApi, monkeypatch) -> None:
    """An outage must not turn an opted-out number back into a new one: STOP means stop (design.md).

    Each instance keeps a copy of the opted-out numbers, refreshed every KNOWN_OPT_OUTS_SECONDS (0 here, so
    the text just before the outage brings in the other instance's opt-out).
    """
    monkeypatch.setattr(ivr.sms.gate, "KNOWN_OPT_OUTS_SECONDS", 0.0)
    app = line_app(tmp_path, postgres_server, fake_twilio)
    other_instance = line_app(tmp_path / "other", postgres_server, fake_twilio)
    assert text(app, "STOP please", caller(50)) != []  # opted out through this instance
    assert text(other_instance, "STOP please", caller(51)) != []  # and through another one
    assert text(app, "MENU", caller(52)) != []  # a text this instance answers with the store up
    with outage(postgres_server, "stopped"):
        for number in (caller(50), caller(51)):
            assert text(app, "KEYPOINTS", number) == [] and text(app, "MENU", number) == []
            assert "STOP" in text(app, "HELP", number)[0]  # HELP is always answered
        assert text(app, "KEYPOINTS", caller(52)) != []  # a number that did not opt out is still answered


def test_a_published_revision_keeps_what_the_gate_knew_of_opted_out_numbers(
        tmp_path: Path, postgres_server: PostgresServer, words: Path, monkeypatch) -> None:
    """A live swap gives the texting gate another revision's words, not a blank memory: a number known to have
    opted out before a publish gets no section in an outage after it, though no text came in between."""
    monkeypatch.setattr(ivr.sms.gate, "KNOWN_OPT_OUTS_SECONDS", 0.0)
    postgres_server.sql("CREATE DATABASE otline_swap OWNER otline")  # a publish here must not reach the other tests
    app = revising.line_app(tmp_path, postgres_server.url.replace("/otline_test?", "/otline_swap?"), words)
    assert text(app, "STOP please", caller(60)) != []
    assert text(app, "MENU", caller(61)) != []  # the store answers: the gate knows who opted out
    number = revising.publish_louder(app, words)
    assert LiveRevision(app, 1).refresh() == number  # swapped in, with no text between it and the outage
    with outage(postgres_server, "stopped"):
        assert text(app, "KEYPOINTS", caller(60)) == [] and text(app, "MENU", caller(60)) == []
        assert text(app, "KEYPOINTS", caller(61)) != []  # a number that did not opt out is still answered


def test_a_restarted_instance_knows_who_opted_out_before_its_first_text(
        tmp_path: Path, postgres_server: PostgresServer, fake_twilio: FakeTwilioApi) -> None:
    """A worker started (a deploy, a restart) while the store answers learns the opted-out numbers as it starts:
    an outage before its first text must not answer them as new numbers."""
    before = line_app(tmp_path, postgres_server, fake_twilio)
    assert text(before, "STOP please", caller(70)) != [] and opted_out(before, caller(70))
    restarted = line_app(tmp_path, postgres_server, fake_twilio)  # the same instance folder: the same number secret
    with outage(postgres_server, "stopped"):
        assert text(restarted, "KEYPOINTS", caller(70)) == [] and text(restarted, "MENU", caller(70)) == []
        assert "STOP" in text(restarted, "HELP", caller(70))[0]  # HELP is always answered
        assert text(restarted, "KEYPOINTS", caller(71)) != []  # a number that did not opt out is still answered


def test_an_instance_started_during_an_outage_texts_no_number_it_cannot_know_is_in(
        tmp_path: Path, postgres_server: PostgresServer, fake_twilio: FakeTwilioApi) -> None:
    """A worker started (a deploy, a crash and restart) while the store is down has no copy of the opted-out
    numbers: it cannot tell an opted-out number from a new one, so it sends no section or menu to any number
    until it has one; HELP is still answered, and a STOP still kept."""
    before = line_app(tmp_path, postgres_server, fake_twilio)
    assert text(before, "STOP please", caller(80)) != [] and opted_out(before, caller(80))
    with outage(postgres_server, "stopped"):
        restarted = line_app(tmp_path, postgres_server, fake_twilio)  # the same instance folder and secret
        for number in (caller(80), caller(81)):
            assert text(restarted, "KEYPOINTS", number) == [] and text(restarted, "MENU", number) == []
            assert "STOP" in text(restarted, "HELP", number)[0]  # HELP is always answered
        text(restarted, "PARAR", caller(82))
        assert '"opted_out": true' in spool_text(restarted)
    deadline = time.monotonic() + 20
    while spool_text(restarted) and time.monotonic() < deadline:  # the breaker waits up to 5 s after an outage
        text(restarted, "MENU", caller(83))
        time.sleep(0.25)
    assert opted_out(restarted, caller(82))
    assert text(restarted, "KEYPOINTS", caller(81)) != []  # the store is back: a number that never opted out


def test_a_spool_with_bytes_a_disk_garbled_still_lets_a_stop_be_recorded(tmp_path: Path) -> None:
    """A spool line garbled on disk (bytes that are not UTF-8) is skipped like a line a crash cut short: the
    spool's other changes are applied, and a STOP in any words is recorded, not lost with every text after it."""
    app = build_app(tmp_path)
    spool = OptOutSpool(Path(app.instance_path) / SPOOL_FILE)
    number = app.extensions["otline"].texts.hasher(caller(90))
    spool.append(number, True, None)
    with spool.path.open("ab") as garbled:
        garbled.write(b'{"number": "\xff\xfe\x00", "opted_out": true}\n')
    assert text(app, "MENU", caller(91)) != []
    assert opted_out(app, caller(90)) and not spool_text(app)
    assert text(app, "PARAR", caller(92)) != [] and opted_out(app, caller(92))


@pytest.mark.parametrize("loss", ["sqlite file deleted", "postgresql tables dropped"])
def test_opt_outs_a_store_lost_are_kept_by_the_instance_that_knew_them(
        tmp_path: Path, postgres_server: PostgresServer, fake_twilio: FakeTwilioApi, loss: str) -> None:
    """The store loses every row (`rm line.db*`, a dropped table) and the line starts afresh: the numbers this
    instance knows opted out are none the less opted out. They get no section by text or from a call, and their
    opt-out is written to the store again, for a restart and for the other instances."""
    if loss.startswith("sqlite"):
        app = build_app(tmp_path, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url)
    else:
        postgres_server.sql("CREATE DATABASE otline_lost OWNER otline")  # dropping tables here spares the others
        app = build_app(tmp_path, DATABASE_URL=postgres_server.url.replace("/otline_test?", "/otline_lost?"),
                        TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_API_BASE_URL=fake_twilio.base_url)
    assert text(app, "STOP please", caller(100)) != [] and text(app, "PARAR", caller(101)) != []
    assert text(app, "MENU", caller(102)) != []
    if loss.startswith("sqlite"):
        delete(Path(app.extensions["otline"].texts.store.database.url.removeprefix("sqlite:///")))
    else:
        with Database(app.extensions["otline"].texts.store.database.url)._transaction() as operator:
            operator.execute("DROP TABLE numbers")
    assert text(app, "KEYPOINTS", caller(102)) != []  # the line starts afresh
    assert text(app, "KEYPOINTS", caller(100)) == [] and text(app, "MENU", caller(100)) == []
    assert b"asked us to stop texts" in text_me(app, caller(101)) and fake_twilio.requests == []
    assert opted_out(app, caller(100)) and opted_out(app, caller(101))


def test_a_stop_neither_the_store_nor_the_spool_can_keep_is_honoured_and_written_when_it_can_be(
        tmp_path: Path) -> None:
    """A disk that is full or turned read-only holds both the SQLite store and the instance folder: the STOP can be
    written nowhere. The worker keeps it in memory, honours it meanwhile and writes it once the store is back."""
    app = build_app(tmp_path)
    assert text(app, "MENU", caller(110)) != []
    path = Path(app.extensions["otline"].texts.store.database.url.removeprefix("sqlite:///"))
    assert Path(app.instance_path).parent == path.parent and not Path(app.instance_path).exists()
    make_read_only(path)  # the database's folder, where the instance folder would be made
    try:
        text(app, "PARAR", caller(110))
        assert text(app, "KEYPOINTS", caller(110)) == [] and text(app, "MENU", caller(110)) == []
        assert text(app, "KEYPOINTS", caller(111)) != []  # a number that did not opt out is still answered
    finally:
        make_writable(path)
    deadline = time.monotonic() + 20
    while not opted_out_if_answered(app, caller(110)) and time.monotonic() < deadline:
        text(app, "MENU", caller(111))  # the store's breaker waits up to 5 s after a fault before trying it
        time.sleep(0.25)
    assert opted_out(app, caller(110))


def opted_out_if_answered(app: Flask, number: str) -> bool:
    try:
        return opted_out(app, number)
    except StoreUnavailable:
        return False
