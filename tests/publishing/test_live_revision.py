"""A published revision reaches another instance on the same database within 5 s, without a restart,
while calls keep being answered. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from pathlib import Path

from flask import Flask

from ivr.live_revision import LiveRevision
from tests.app_factory import DATABASE_DOWN_URL, build_app
from tests.publishing.revising import LOUDER, found, key_points_part, line_app, publish_louder, reviewed_draft, staff
from tests.twilio_requests import replies, sms_post, twilio_post

def test_another_instance_swaps_in_the_published_revision(tmp_path: Path, app: Flask, database_url: str,
                                                          words: Path):
    other = line_app(tmp_path / "other", database_url, words)
    part = key_points_part(other, "Occupational therapy, or O T")
    number = publish_louder(app, words)
    assert LiveRevision(other, 1).refresh() == number and found(other).revision == number
    answer = twilio_post(other.test_client(), f"/voice/en/topic/key-points/part/{part}")
    assert answer.status_code == 200 and LOUDER in answer.get_data(as_text=True)


def test_a_revision_this_instance_cannot_serve_is_not_swapped_in(tmp_path: Path, app: Flask, database_url: str,
                                                                 words: Path, caplog):
    other = line_app(tmp_path / "other", database_url, words)
    texts = found(other).texts
    before = replace(found(other), texts=replace(texts, policy=replace(texts.policy, help_contact="x" * 400)))
    other.extensions["otline"] = before  # configured so that HELP would be too long with any revision
    publish_louder(app, words)
    live = LiveRevision(other, 1)
    with caplog.at_level(logging.ERROR):
        assert live.refresh() == 1 and live.refresh() == 1
    assert found(other) is before and "cannot be served here, still serving 1" in caplog.text
    assert caplog.text.count("cannot be served here") == 1  # said once, not at every check


def test_a_database_that_is_down_keeps_the_line_as_it_is(tmp_path: Path, app: Flask, words: Path):
    down = line_app(tmp_path / "down", DATABASE_DOWN_URL, words)
    assert LiveRevision(down, 1).refresh() is None and found(down).revision is None


def test_a_publish_reaches_a_polling_instance_within_5_seconds_while_calls_go_on(tmp_path: Path, app: Flask,
                                                                                  database_url: str, words: Path):
    other = build_polling(tmp_path, database_url, words)
    client = other.test_client()
    part = key_points_part(other, "Occupational therapy, or O T")
    statuses: list[int] = []
    stop = threading.Event()

    def call_in_progress() -> None:  # a caller walking through the section, again and again
        while not stop.is_set():
            statuses.append(twilio_post(other.test_client(), f"/voice/en/topic/key-points/part/{part}").status_code)
            time.sleep(0.02)

    walker = threading.Thread(target=call_in_progress)
    twilio_post(client, "/voice")  # the first request starts this worker's polling
    walker.start()
    try:
        publish_louder(app, words)
        published = time.monotonic()
        while LOUDER not in twilio_post(client, f"/voice/en/topic/key-points/part/{part}").get_data(as_text=True):
            assert time.monotonic() - published < 5, "the other instance still serves the old words after 5 s"
            time.sleep(0.05)
    finally:
        stop.set()
        walker.join()
        other.extensions["otline.live"].stop()
    assert statuses and set(statuses) == {200}


def build_polling(tmp_path: Path, database_url: str, words: Path) -> Flask:
    return build_app(tmp_path / "polling", DATABASE_URL=database_url, CONTENT_DIR=str(words / "content"),
                     PROMPTS_DIR=str(words / "prompts"), REVISION_POLL_SECONDS="2")


def test_a_worker_checks_at_its_first_request_not_after_a_poll_interval(tmp_path: Path, app: Flask,
                                                                          database_url: str, words: Path):
    """A gunicorn worker forked from a preloaded master holds the master's revision: it must not serve it long."""
    other = build_app(tmp_path / "slow", DATABASE_URL=database_url, CONTENT_DIR=str(words / "content"),
                      PROMPTS_DIR=str(words / "prompts"), REVISION_POLL_SECONDS="60")
    number = publish_louder(app, words)
    twilio_post(other.test_client(), "/voice")  # the worker's first request
    deadline = time.monotonic() + 3
    try:
        while found(other).revision != number:
            assert time.monotonic() < deadline, "the worker waits for its first poll interval (60 s)"
            time.sleep(0.05)
    finally:
        other.extensions["otline.live"].stop()


def test_a_call_in_progress_finishes_in_the_revision_it_started_on(tmp_path: Path, app: Flask, database_url: str,
                                                                   words: Path):
    other = line_app(tmp_path / "other", database_url, words)
    client = other.test_client()
    part = key_points_part(other, "Occupational therapy, or O T")
    started = twilio_post(client, f"/voice/en/topic/key-points/part/{part - 1}?rev=1").get_data(as_text=True)
    assert f"/voice/en/topic/key-points/part/{part}?rev=1" in started  # the call's next step names its revision
    number = publish_louder(app, words)
    LiveRevision(other, 1).refresh()
    same_call = twilio_post(client, f"/voice/en/topic/key-points/part/{part}?rev=1").get_data(as_text=True)
    assert LOUDER not in same_call and "?rev=1" in same_call
    for url in (f"/voice/en/topic/key-points/part/{part}?rev={number}", f"/voice/en/topic/key-points/part/{part}",
                f"/voice/en/topic/key-points/part/{part}?rev=0", f"/voice/en/topic/key-points/part/{part}?rev=x"):
        answer = twilio_post(client, url)  # the new revision, or a revision this instance no longer holds
        assert answer.status_code == 200 and LOUDER in answer.get_data(as_text=True), url
    new_call = twilio_post(client, "/voice").get_data(as_text=True)
    assert f"rev={number}" in new_call and "rev=1" not in new_call



def test_the_text_line_answers_in_the_published_words_too(tmp_path: Path, app: Flask, database_url: str,
                                                          words: Path):
    """The texting gate holds the line it answers from: a swap must reach it, not only the voice pages."""
    other = line_app(tmp_path / "other", database_url, words)
    number = reviewed_draft(app, words, "Key points about OT:", "KEY POINTS, PUBLISHED:")
    assert staff(app, "publish", str(number), "--by", "ben", "--allow-missing-audio").exit_code == 0
    assert LiveRevision(other, 1).refresh() == number
    [reply] = replies(sms_post(other.test_client(), "KEYPOINTS"))
    assert reply.startswith("KEY POINTS, PUBLISHED:")
