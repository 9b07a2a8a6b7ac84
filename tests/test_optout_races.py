"""STOP is never lost to a race: STOP hammered against MORE, text-me and language changes, on SQLite and PostgreSQL.

Each interleaving is one fresh number: its STOP and the other request are released together by a barrier,
through the real webhooks (signed, routed, stored). Afterwards every number must be opted out. Several
pairs run at once (threads), and one test races two processes, as two gunicorn workers would.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.app_factory import build_app
from tests.databases import BACKENDS, empty_postgres
from tests.twilio_fakes import FakeTwilioApi
from tests.twilio_requests import replies, sms_post, twilio_post

ACCOUNT = "AC" + "3" * 32
PAIRS_AT_ONCE = 4  # pairs of racing requests in flight together (8 threads)
INTERLEAVINGS_PER_RACE = 250  # four races: 1,000 interleavings per backend
PROCESS_INTERLEAVINGS = 100


def caller(index: int) -> str:
    return f"+1555{index:07d}"


@pytest.fixture(params=BACKENDS)
def shared_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return empty_postgres().url


def line_app(folder: Path, url: str, twilio_base: str | None = None) -> Flask:
    texting = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_API_BASE_URL": twilio_base} if twilio_base else {}
    return build_app(folder, DATABASE_URL=url, SMS_LIMIT_PER_MINUTE="100", **texting)


def stop(client: FlaskClient, number: str) -> None:
    assert sms_post(client, "STOP", {"From": number, "MessageSid": f"SMa{number[1:]:0>31}"}).status_code == 200


def more(client: FlaskClient, number: str) -> None:
    assert sms_post(client, "MORE", {"From": number, "MessageSid": f"SMb{number[1:]:0>31}"}).status_code == 200


def text_me(client: FlaskClient, number: str) -> None:
    response = twilio_post(client, "/voice/en/topic/key-points/part/0/choose", {"Digits": "8", "From": number})
    assert response.status_code == 200


def spanish_by_text(client: FlaskClient, number: str) -> None:
    assert sms_post(client, "ESPANOL", {"From": number}).status_code == 200


def spanish_by_phone(client: FlaskClient, number: str) -> None:
    assert twilio_post(client, "/voice/language/choose?attempt=1", {"Digits": "2", "From": number}).status_code == 200


RACES: dict[str, Callable[[FlaskClient, str], None]] = {
    "more": more, "text-me": text_me, "language-by-text": spanish_by_text, "language-by-phone": spanish_by_phone}


def opted_out(app: Flask, numbers: list[str]) -> list[bool]:
    found = app.extensions["otline"]
    return [found.texts.store.number(found.texts.hasher(number)).opted_out for number in numbers]


def reading_key_points(app: Flask, numbers: list[str]) -> None:
    """Each number has read part 1 of 3 of a section, so MORE has somewhere to go."""
    found = app.extensions["otline"]
    for number in numbers:
        place = {"language": "en", "topic": "key-points", "next_part": 1}
        found.texts.store.update_unless_opted_out(found.texts.hasher(number), place)


def race(app: Flask, numbers: list[str], other: Callable[[FlaskClient, str], None]) -> None:
    """For each number, STOP and `other` released at once, several numbers at a time."""
    slices = [numbers[start::PAIRS_AT_ONCE] for start in range(PAIRS_AT_ONCE)]

    def pair(mine: list[str]) -> None:
        barrier = threading.Barrier(2)
        reader, stopper = app.test_client(), app.test_client()

        def racing(action: Callable[[FlaskClient, str], None], client: FlaskClient) -> None:
            for number in mine:
                barrier.wait()
                action(client, number)

        side = threading.Thread(target=racing, args=(stop, stopper))
        side.start()
        racing(other, reader)
        side.join()

    with ThreadPoolExecutor(PAIRS_AT_ONCE) as pool:
        list(pool.map(pair, slices))


@pytest.mark.parametrize("kind", list(RACES))
def test_stop_racing_another_request_is_never_lost(tmp_path: Path, shared_url: str, fake_twilio: FakeTwilioApi,
                                                   kind: str) -> None:
    app = line_app(tmp_path, shared_url, fake_twilio.base_url)
    numbers = [caller(index) for index in range(INTERLEAVINGS_PER_RACE)]
    reading_key_points(app, numbers)
    race(app, numbers, RACES[kind])
    lost = opted_out(app, numbers).count(False)
    assert lost == 0, f"{lost} of {len(numbers)} opt-outs lost racing {kind}"


def _process_side(url: str, folder: str, side: str, count: int, barrier) -> None:
    app = line_app(Path(folder), url)
    client = app.test_client()
    for index in range(count):
        number = caller(index)
        if side == "reader":
            reading_key_points(app, [number])
        barrier.wait()
        (stop if side == "stopper" else more)(client, number)


def test_stop_racing_more_from_another_process_is_never_lost(tmp_path: Path, shared_url: str) -> None:
    """Two processes (as two gunicorn workers), each with its own app and connections, on one store."""
    # spawn: a fork from a process with threads (the pool, the writer) can deadlock
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    sides = [context.Process(target=_process_side, args=(shared_url, str(tmp_path / side), side,
                                                         PROCESS_INTERLEAVINGS, barrier))
             for side in ("reader", "stopper")]
    for process in sides:
        process.start()
    for process in sides:
        process.join(timeout=120)
    assert [process.exitcode for process in sides] == [0, 0]
    app = line_app(tmp_path / "check", shared_url)
    lost = opted_out(app, [caller(index) for index in range(PROCESS_INTERLEAVINGS)]).count(False)
    assert lost == 0, f"{lost} of {PROCESS_INTERLEAVINGS} opt-outs lost racing MORE from another process"


RETRIES = 12


def test_concurrent_retries_of_one_message_are_answered_once_and_counted_once(tmp_path: Path, shared_url: str) -> None:
    """Twilio retrying one MessageSid 12 times at once: one answer decided, given to all, one text counted."""
    app = line_app(tmp_path, shared_url)
    barrier = threading.Barrier(RETRIES)

    def deliver(_: int) -> bytes:
        client = app.test_client()
        barrier.wait()
        response = sms_post(client, "KEYPOINTS", {"From": caller(1), "MessageSid": "SM" + "c" * 32})
        assert response.status_code == 200
        return response.data

    with ThreadPoolExecutor(RETRIES) as pool:
        answers = list(pool.map(deliver, range(RETRIES)))
    assert len(set(answers)) == 1 and b"Key points about OT" in answers[0]
    texts = app.extensions["otline"].texts
    assert texts.store.count_message(texts.hasher(caller(1)))["day"] == 2  # the retries' one text, and this one


def test_a_retry_of_a_text_answered_before_an_upgrade_gets_an_empty_answer(app: Flask) -> None:
    """The version before kept TwiML by MessageSid: its retries are answered (empty), never a 5xx."""
    store = app.extensions["otline"].texts.store
    assert store.claim_message("SM" + "e" * 32)
    store.remember_reply("SM" + "e" * 32, "<Response><Message>hi</Message></Response>")
    assert replies(sms_post(app.test_client(), "MENU", {"MessageSid": "SM" + "e" * 32})) == []
