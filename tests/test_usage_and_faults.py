"""Usage counts and the staff report; the language a number chose, remembered across channels; what
still works when the database is down or locked; two instances sharing one store."""

from __future__ import annotations

import sqlite3
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ivr.cli import stats
from ivr.content.model import MAIN_MENU
from ivr.report import usage_report
from ivr.store import database as database_module
from ivr.store.usage import Count, Event
from ivr.counting import UsageRecorder
from tests.app_factory import build_app
from tests.databases import BACKENDS, empty_postgres
from tests.twilio_requests import CALLER, replies, sms_post, twilio_post

CALL_SID = "CA" + "5" * 32


def gather_action(response) -> str:
    root = ET.fromstring(response.data)
    return next(root.iter("Gather")).get("action", "")


def said(response) -> str:
    return " ".join(element.text or "" for element in ET.fromstring(response.data).iter("Say"))


def call(client, path: str, **params: str):
    return twilio_post(client, path, {"CallSid": CALL_SID, **params})


# --- usage counts and the report --------------------------------------------------------------

def test_a_call_and_texts_are_counted_and_reported_without_personal_data(app):
    client = app.test_client()
    call(client, "/voice")
    call(client, "/voice/language/choose?attempt=1", Digits="1")
    call(client, "/voice/en/choices/main/choose?attempt=1", Digits="5")  # no option 5: a wrong key
    call(client, "/voice/en/choices/main/choose?attempt=2")  # silence
    call(client, "/voice/en/choices/main/choose?attempt=3", Digits="3")  # key points
    last = len(app.extensions["otline"].line.default_language.topics["key-points"].voice_parts) - 1
    call(client, f"/voice/en/topic/key-points/part/{last}/choose")  # the last part ends
    call(client, "/voice/status", CallStatus="completed")
    for body in ("KEYPOINTS", "MORE", "hello"):
        sms_post(client, body)

    runner = app.test_cli_runner()
    report = runner.invoke(stats, ["--days", "7"])
    assert report.exit_code == 0, report.output
    assert "Calls: 1   texts received: 3" in report.output
    asked = next(line for line in report.output.splitlines() if "(key-points)" in line and "voice" in line)
    assert asked.endswith("voice    1 / 1    text    1")
    main_line = next(line for line in report.output.splitlines() if "(main)" in line and "wrong-key" in line)
    assert "wrong-key 1  silence 1  out-of-tries 0  hung-up 0" in main_line
    hung_up_line = next(line for line in report.output.splitlines() if "(key-points)" in line and "hung-up" in line)
    assert hung_up_line.endswith("hung-up 1")

    main_file = Path(app.extensions["otline"].texts.store.database.url.removeprefix("sqlite:///"))
    with sqlite3.connect(main_file) as connection:  # as at rest: long-lived connections leave old pages in the log
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    stored = b"".join(path.read_bytes() for path in main_file.parent.glob(main_file.name + "*"))  # and -wal, -shm
    assert b"key-points" in stored  # the check reads where the counts are
    assert CALLER.encode() not in stored and CALLER[1:].encode() not in stored
    assert CALL_SID.encode() not in stored  # forgotten once the status callback said the call ended


def test_the_report_names_places_by_title_and_ranks_what_people_ask_for(app):
    line = app.extensions["otline"].line
    counts = [Count("2026-11-27", Event("voice", "opened", "en", "school-iep"), 2),
              Count("2026-11-27", Event("sms", "text", "es", "key-points"), 5),
              Count("2026-11-28", Event("voice", "out-of-tries", "en", "language"), 1)]
    report = usage_report(line, counts, 2)
    asked = report.split("What people asked for")[1].splitlines()
    titles = {topic: line.default_language.topics[topic].title for topic in ("key-points", "school-iep")}
    assert asked[1].lstrip().startswith(f"{titles['key-points']} (key-points)")
    assert asked[2].lstrip().startswith(f"{titles['school-iep']} (school-iep)")
    assert "language" in report.split("Where callers get lost")[1] and "text es 5" in report


def test_counts_are_added_up_in_memory_and_written_at_most_once_a_second(tmp_path):
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    class CountingStore:
        def __init__(self) -> None:
            self.writes: list[dict] = []

        def record(self, events, calls=()) -> None:
            self.writes.append(dict(events))

    class AtOnce:
        def write(self, work, what: str) -> None:
            work()

    clock, store = Clock(), CountingStore()
    recorder = UsageRecorder(store, AtOnce(), flush_seconds=1.0, clock=clock)  # type: ignore[arg-type]
    opened = Event("voice", "opened", "en", "key-points")
    for _ in range(50):
        recorder.add([opened], None)
        clock.now += 0.01
    assert store.writes == []
    clock.now += 1
    recorder.add([opened], None)
    assert store.writes == [{opened: 51}]


def test_an_empty_period_says_so(app):
    assert "Nothing counted yet" in usage_report(app.extensions["otline"].line, [], 30)


# --- language remembered across channels ------------------------------------------------------

def test_a_language_chosen_by_text_skips_the_question_on_the_next_call(client):
    assert gather_action(twilio_post(client, "/voice")).startswith("/voice/language/choose")
    sms_post(client, "ESPAÑOL")
    assert gather_action(twilio_post(client, "/voice")).startswith("/voice/es/choices/main/choose")
    assert gather_action(twilio_post(client, "/voice", {"From": "+15005550199"})).startswith("/voice/language/choose")


def test_a_language_chosen_on_the_phone_is_the_language_of_the_next_texts(client):
    twilio_post(client, "/voice/language/choose?attempt=1", {"Digits": "2"})
    assert gather_action(twilio_post(client, "/voice")).startswith("/voice/es/choices/main/choose")
    spanish_menu = replies(sms_post(client, "hola"))[0]
    twilio_post(client, "/voice/language/choose?attempt=1", {"Digits": "1"})
    english_menu = replies(sms_post(client, "hello"))[0]
    assert spanish_menu != english_menu and "WHAT" in english_menu and "QUE" in spanish_menu


def test_a_hidden_caller_id_is_always_asked(client):
    twilio_post(client, "/voice/language/choose?attempt=1", {"Digits": "2", "From": "+266696687"})
    assert gather_action(twilio_post(client, "/voice", {"From": "+266696687"})).startswith("/voice/language/choose")


# --- the database down or locked --------------------------------------------------------------

def test_with_the_database_down_calls_work_and_texts_are_answered_without_memory(app_without_database):
    client = app_without_database.test_client()
    assert gather_action(twilio_post(client, "/voice")).startswith("/voice/language/choose")
    menu = twilio_post(client, "/voice/language/choose?attempt=1", {"Digits": "1"})
    assert gather_action(menu).startswith("/voice/en/choices/main/choose")
    # started with the store down, it has no copy of the opted-out numbers: any number may be one of them
    assert replies(sms_post(client, "KEYPOINTS")) == []
    assert "STOP" in replies(sms_post(client, "HELP"))[0]  # HELP is always answered
    assert replies(sms_post(client, "START"))[0]  # an opt-in, kept on the instance: this number is in
    key_points = replies(sms_post(client, "KEYPOINTS"))
    assert len(key_points) == 1 and "Reply MORE" in key_points[0]
    assert replies(sms_post(client, "STOP")) == []
    assert replies(sms_post(client, "hello")) == []  # the opt-out is kept on the instance until the store is back
    assert replies(sms_post(client, "START"))[0]
    assert replies(sms_post(client, "hello"))[0]


def test_with_the_database_down_the_text_key_says_it_could_not_send_within_a_call(tmp_path):
    from tests.app_factory import DATABASE_DOWN_URL

    app = build_app(tmp_path, DATABASE_URL=DATABASE_DOWN_URL, TWILIO_ACCOUNT_SID="AC" + "0" * 32,
                    TWILIO_API_BASE_URL="http://127.0.0.1:9")
    response = twilio_post(app.test_client(), "/voice/en/topic/key-points/part/0/choose", {"Digits": "8"})
    assert response.status_code == 200
    assert "could not send the text" in said(response)


def test_a_locked_sqlite_store_degrades_within_the_wait(tmp_path, monkeypatch):
    monkeypatch.setattr(database_module, "WAIT_SECONDS", 0.2)
    app = build_app(tmp_path)
    path = app.extensions["otline"].texts.store.database.url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        client = app.test_client()
        assert client.get("/healthz").get_json()["status"] == "degraded"
        assert "Reply MORE" in replies(sms_post(client, "KEYPOINTS"))[0]
        assert twilio_post(client, "/voice/en/choices/main/choose?attempt=1", {"Digits": "3"}).status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    time.sleep(database_module.BREAKER_SECONDS)  # slow failures in a row: the store is skipped for a moment
    assert app.test_client().get("/healthz").get_json()["status"] == "ok"


def test_a_line_started_while_the_database_was_down_creates_its_schema_when_it_is_back(tmp_path):
    blocked = tmp_path / "line.db"
    blocked.mkdir()  # a folder where the database file should be: SQLite cannot open it
    app = build_app(tmp_path, DATABASE_URL=f"sqlite:///{blocked}")
    database = app.extensions["otline"].texts.store.database
    assert not database.schema_ready
    assert app.test_client().get("/healthz").get_json()["database"] == {"read": "connection", "write": "connection"}
    blocked.rmdir()
    assert app.test_client().get("/healthz").get_json()["status"] == "ok" and database.schema_ready
    assert replies(sms_post(app.test_client(), "KEYPOINTS"))


# --- two instances, one store -----------------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def shared_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return empty_postgres().url


def test_two_instances_on_one_store_share_opt_outs_paging_and_language(tmp_path, shared_url):
    first = build_app(tmp_path / "one", DATABASE_URL=shared_url).test_client()
    second = build_app(tmp_path / "two", DATABASE_URL=shared_url).test_client()
    part_one = replies(sms_post(first, "KEYPOINTS"))[0]
    part_two = replies(sms_post(second, "MORE"))[0]
    assert "(1/3)" in part_one and "(2/3)" in part_two
    assert replies(sms_post(first, "STOP")) == []
    assert replies(sms_post(second, "KEYPOINTS")) == []
    assert replies(sms_post(second, "START"))
    assert replies(sms_post(first, "KEYPOINTS"))
    twilio_post(first, "/voice/language/choose?attempt=1", {"Digits": "2"})
    assert gather_action(twilio_post(second, "/voice")).startswith(f"/voice/es/choices/{MAIN_MENU}/choose")


def test_a_remembered_caller_can_change_language_from_the_main_menu(client):
    twilio_post(client, "/voice/language/choose?attempt=1", {"Digits": "2"})
    spanish_menu = twilio_post(client, "/voice")
    assert "Para cambiar de idioma, oprima numeral. For English, press pound." in said(spanish_menu)
    question = twilio_post(client, gather_action(spanish_menu), {"Digits": "#"})
    assert gather_action(question).startswith("/voice/language/choose")
    twilio_post(client, gather_action(question), {"Digits": "1"})
    assert gather_action(twilio_post(client, "/voice")).startswith("/voice/en/choices/main/choose")
